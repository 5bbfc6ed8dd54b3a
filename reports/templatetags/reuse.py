"""`{% reuse fragments "name" %}...{% endreuse %}`: a block of a page reused between requests while the
data it shows stay the same (reports.reuse.Fragments, made by the view)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class ReuseNode(template.Node):
    def __init__(self, nodelist, fragments, name):
        self.nodelist = nodelist
        self.fragments = fragments
        self.name = name

    def render(self, context):
        fragments = self.fragments.resolve(context)
        if fragments is None or fragments.entry is None:
            return self.nodelist.render(context)  # not reused: the view gave the whole context

        def render(extra):
            with context.push(extra):
                return str(self.nodelist.render(context))

        return mark_safe(fragments.fragment(self.name.resolve(context), render))  # noqa: S308 - our own HTML


@register.tag
def reuse(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError('usage: {% reuse fragments "name" %}...{% endreuse %}')
    nodelist = parser.parse(("endreuse",))
    parser.delete_first_token()
    return ReuseNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))
