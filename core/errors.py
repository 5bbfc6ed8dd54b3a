"""The refusal every write service raises for rows it will not store."""

from django.core.exceptions import ValidationError


class RowsRefused(ValidationError):
    """Some of the rows given to a write service break its rules: nothing was written. `problems` maps
    each refused row's position in the rows given to its [(field, reason)], so that an importer can name
    the file's row and column, and a form its field."""

    def __init__(self, problems: dict[int, list[tuple[str, str]]], describe=None):
        self.problems = problems
        describe = describe or (lambda position: f"#{position + 1}")
        super().__init__(
            [
                ValidationError(f"{describe(position)}, {field}: {reason}", code="refused")
                for position, issues in sorted(problems.items())
                for field, reason in issues
            ]
        )
