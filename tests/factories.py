"""Small factories for tests: build only what a test needs, with readable codes."""

import factory

from accounts.models import Role, User
from filings.models import COUNT_FIELDS, MonthlyFiling
from procedures.models import Field, Offering, Procedure, ServiceLevel
from reports.models import Target
from units.models import Unit, UnitKind


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Đơn vị {o.code}")
    kind = UnitKind.COMMUNE


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ["code"]

    code = "G09.HT"
    name = "Hộ tịch"


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"1.{n:06d}")
    name = factory.LazyAttribute(lambda o: f"Thủ tục {o.code}")
    field = factory.SubFactory(FieldFactory)


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    unit = factory.SubFactory(UnitFactory)
    procedure = factory.SubFactory(ProcedureFactory)
    service_level = ServiceLevel.FULL
    valid_from = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the offerings service, as in the app: the KPI totals follow the level in force.
        from procedures.services import offering_save

        offering = model_class(*args, **kwargs)
        offering_save(offering, reason="test")
        return offering


class FilingFactory(factory.django.DjangoModelFactory):
    """Figures written through the one write path, so that history and KPI totals follow, as in the app."""

    class Meta:
        model = MonthlyFiling

    unit = factory.SubFactory(UnitFactory)
    procedure = factory.SubFactory(ProcedureFactory)
    year = 2019
    month = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from filings.services import Source, filings_upsert

        row = {"unit_id": kwargs.pop("unit").pk, "procedure_id": kwargs.pop("procedure").pk, **kwargs}
        [pk] = filings_upsert([row], fields=[f for f in COUNT_FIELDS], source=Source.DEMO, force=True).changed_ids
        return model_class.objects.get(pk=pk)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    unit = factory.SubFactory(UnitFactory)
    year = 2019
    kpi = "online_rate"
    target = 30


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CLERK
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)
        if create:
            self.save()
