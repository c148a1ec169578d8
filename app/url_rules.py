"""URL rules whose builders are compiled when first used, not when the route is added.

For every rule, werkzeug writes two URL-building functions as Python source and
compiles them the moment the rule joins the map. Laurel has about 65 routes and a
page builds links to a handful, so on a cold start that is most of the time
`create_app()` spends on routing. Matching is unaffected: it uses the rule's parsed
parts, which are still made up front, so a malformed rule fails at startup as before.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule


class LazyBuildRule(Rule):
    def _compile_builder(self, append_unknown: bool = True) -> Any:
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_first(rule: Rule, **values: Any) -> tuple[str, str]:
            # Compile once, then replace this stand-in on the rule (a second thread
            # racing here compiles the same function again, harmlessly).
            built = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, built)
            return built(**values)

        return build_first
