"""Score versions in the admin: a version with its indicators inline. When the national formula changes, an
administrator adds the next version with its date rather than editing the one in force, so that past
periods keep their score (docs/kpis.md, "Decision 766"). The rules are scores.rules'."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import ScoreIndicator, ScoreVersion
from .rules import version_problems


class IndicatorFormSet(BaseInlineFormSet):
    def clean(self):
        # Before the model formset's own checks (its unique (version, kpi) check raises, ending clean()).
        forms = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE", False)
        ]
        problems = version_problems([form.cleaned_data for form in forms])
        for position, field, reason in problems:
            if field in forms[position].cleaned_data:
                forms[position].add_error(field, reason)
        super().clean()
        if problems:
            raise ValidationError([reason for _position, _field, reason in problems])


class IndicatorInline(admin.TabularInline):
    model = ScoreIndicator
    formset = IndicatorFormSet
    fields = ["order", "group", "group_label", "kpi", "threshold", "points"]
    extra = 0
    min_num = 1


@admin.register(ScoreVersion)
class ScoreVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "effective_from"]
    ordering = ["-effective_from"]
    search_fields = ["code", "name"]
    inlines = [IndicatorInline]
    save_as = True  # "Save as new": the next version starts as a copy of this one
