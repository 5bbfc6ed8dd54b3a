"""The hypothesis settings of the fuzz tests: the same fixed examples on every run (CI's), more with
FUZZ_EXAMPLES, other ones with FUZZ_RANDOM=1; no example database, no shrinking (a failure is reported
as generated, described by its note: shrinking large files or many requests would take minutes)."""

import os

from hypothesis import HealthCheck, Phase, settings


def fuzz_settings(examples: int) -> settings:
    """`examples` by default, FUZZ_EXAMPLES if set."""
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", examples)),
        deadline=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        database=None,
        print_blob=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
