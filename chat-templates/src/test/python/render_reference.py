"""Renders chat templates the way Hugging Face's transformers does (apply_chat_template), as the
reference that Parley's template interpreter is compared with.

Reads JSON from standard input: {"templates": {name: source}, "conversations": {name: context},
"now": "YYYY-MM-DDTHH:MM:SS"} and writes {template: {conversation: {"text": ...} or {"error": ...}}}.
The environment is transformers' own: an immutable sandbox with trim_blocks and lstrip_blocks, the
loop-control extension, its tojson filter and its raise_exception and strftime_now globals (the clock
fixed to "now" so both sides see one date). The {% generation %} block of transformers' assistant
tracker renders its body unchanged.
"""
import datetime
import json
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class Generation(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def main():
    request = json.load(sys.stdin)
    now = datetime.datetime.fromisoformat(request["now"])

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    out = {}
    for name, source in request["templates"].items():
        results = {}
        try:
            template = env.from_string(source)
        except Exception as e:  # a template jinja2 cannot compile fails every conversation alike
            template = None
            compile_error = "%s: %s" % (type(e).__name__, e)
        for conversation, context in request["conversations"].items():
            if template is None:
                results[conversation] = {"error": compile_error}
                continue
            try:
                results[conversation] = {"text": template.render(**context)}
            except Exception as e:
                results[conversation] = {"error": "%s: %s" % (type(e).__name__, e)}
        out[name] = results
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
