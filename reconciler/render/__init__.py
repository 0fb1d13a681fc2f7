"""Pure renderers: values in, text out. Every plan renderer has one signature and a name
(`render.registry`); `render.problems` words manifest problems. The package imports nothing
itself, so that `validate` does not load the plan renderers.

from reconciler.render.registry import RenderOptions, plan_view, render
render("text", plan_view(plan), RenderOptions(colour=True))
"""
