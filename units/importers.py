"""Import of the unit tree. Parents and successors may be named before or after the rows that define them,
and may be units already stored; the tree's materialised paths are rebuilt once after the bulk writes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dvc_portal.importing import Column, Importer, choice_parser, parse_code, parse_date, parse_text, register
from dvc_portal.tabular import clean_text

from .models import Unit, UnitKind, code_validator
from .services import units_rebuild_paths

KIND_WORDS = {
    **{kind.value: kind.value for kind in UnitKind},
    "tỉnh": UnitKind.PROVINCE,
    "cấp tỉnh": UnitKind.PROVINCE,
    "thành phố trực thuộc trung ương": UnitKind.PROVINCE,
    "huyện": UnitKind.DISTRICT,
    "quận": UnitKind.DISTRICT,
    "thị xã": UnitKind.DISTRICT,
    "thành phố thuộc tỉnh": UnitKind.DISTRICT,
    "cấp huyện": UnitKind.DISTRICT,
    "xã": UnitKind.COMMUNE,
    "phường": UnitKind.COMMUNE,
    "thị trấn": UnitKind.COMMUNE,
    "đặc khu": UnitKind.COMMUNE,
    "cấp xã": UnitKind.COMMUNE,
    "sở": UnitKind.DEPARTMENT,
    "phòng": UnitKind.DEPARTMENT,
    "ban": UnitKind.DEPARTMENT,
    "trung tâm": UnitKind.CENTER,
}
FIELDS = ("name", "kind", "parent_code", "valid_from", "valid_to", "successor_code")


def unit_code(value):
    code = parse_code(value)
    if len(code) > 40:
        raise ValueError(_("%(code)r is longer than 40 characters") % {"code": code})
    try:
        code_validator(code)
    except ValidationError as exc:
        raise ValueError(f"{code!r}: {exc.messages[0]}") from None
    return code


def code_list(value):
    """One or more unit codes separated by `,` or `;` (several old communes merged into one, or one split)."""
    return tuple(
        sorted({unit_code(part) for part in clean_text(value).replace(";", ",").split(",") if part.strip()})
    )


@register
class UnitImporter(Importer):
    kind = "units"
    columns = (
        Column("code", ("Mã đơn vị", "Mã ĐVHC", "Mã"), required=True),
        Column("name", ("Tên đơn vị", "Tên ĐVHC", "Tên"), required=True),
        Column("kind", ("Loại đơn vị", "Loại", "Cấp"), required=True),
        Column("parent_code", ("Mã đơn vị cấp trên", "Mã cấp trên", "Đơn vị cấp trên")),
        Column("valid_from", ("Hiệu lực từ", "Ngày hiệu lực")),
        Column("valid_to", ("Hiệu lực đến", "Ngày hết hiệu lực")),
        Column("successor_code", ("Mã đơn vị kế thừa", "Đơn vị kế thừa")),
    )
    example = {
        "code": "88101",
        "name": "Phường Một",
        "kind": "phường",
        "parent_code": "881",
        "valid_from": "01/07/2025",
        "valid_to": "",
        "successor_code": "",
    }
    choices = {
        "kind": (
            "tỉnh",
            "huyện",
            "quận",
            "thị xã",
            "xã",
            "phường",
            "thị trấn",
            "đặc khu",
            "sở",
            "phòng",
            "ban",
            "trung tâm",
        )
    }
    parse_kind = staticmethod(choice_parser(KIND_WORDS, gettext_lazy("unit kind")))

    def parse_row(self, number, raw):
        item = {"_row": number}
        errors = len(self.errors)
        item["code"] = self.cell(number, raw, "code", unit_code, required=True)
        name = self.cell(number, raw, "name", parse_text, required=True)
        if name and len(name) > 255:
            self.error(number, "name", _("the name is longer than 255 characters"))
        item["name"] = name
        item["kind"] = self.cell(number, raw, "kind", self.parse_kind, required=True)
        if self.present("parent_code"):
            item["parent_code"] = self.cell(number, raw, "parent_code", unit_code)
        for key in ("valid_from", "valid_to"):
            if self.present(key):
                item[key] = self.cell(number, raw, key, parse_date)
        if self.present("successor_code"):
            item["successor_code"] = self.cell(number, raw, "successor_code", code_list) or ()
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        parsed = super().parse(rows)
        self.check_duplicates(parsed, lambda i: i["code"], _("unit code"), "code")
        return parsed

    def write(self, parsed):
        stored = {
            u["code"]: u
            for u in Unit.objects.values("id", "code", "name", "kind", "parent_id", "valid_from", "valid_to")
        }
        code_of = {u["id"]: code for code, u in stored.items()}
        in_file = {item["code"]: item for item in parsed}
        known = set(stored) | set(in_file)
        successors = self._stored_successors(stored, in_file, code_of)

        # Final state of each unit in the file: the file's value where its column is present, else stored.
        final = {}
        for code, item in in_file.items():
            old = stored.get(code)
            state = {
                "name": item["name"],
                "kind": item["kind"],
                "parent_code": item["parent_code"]
                if "parent_code" in item
                else (code_of.get(old["parent_id"]) if old else None),
                "valid_from": item["valid_from"]
                if "valid_from" in item
                else (old["valid_from"] if old else None),
                "valid_to": item["valid_to"] if "valid_to" in item else (old["valid_to"] if old else None),
                "successors": item["successor_code"]
                if "successor_code" in item
                else successors.get(code, ()),
            }
            final[code] = state
            row = state["_row"] = item["_row"]
            if state["parent_code"] and state["parent_code"] not in known:
                self.error(
                    row, "parent_code", _("unknown unit code %(code)r") % {"code": state["parent_code"]}
                )
            if state["parent_code"] == code:
                self.error(row, "parent_code", _("a unit cannot be its own parent"))
            for successor in state["successors"]:
                if successor not in known:
                    self.error(row, "successor_code", _("unknown unit code %(code)r") % {"code": successor})
                elif successor == code:
                    self.error(row, "successor_code", _("a unit cannot be its own successor"))
            if state["valid_from"] and state["valid_to"] and state["valid_to"] < state["valid_from"]:
                self.error(
                    row,
                    "valid_to",
                    _("the end of validity (%(to)s) is before its start (%(from)s)")
                    % {
                        "to": state["valid_to"].strftime("%d/%m/%Y"),
                        "from": state["valid_from"].strftime("%d/%m/%Y"),
                    },
                )
        self._check_cycles(final, stored, code_of)
        if self.errors:
            return 0, 0, 0

        created, changed, unchanged = [], [], 0
        for code, state in final.items():
            old = stored.get(code)
            if old is None:
                created.append(code)
            elif (
                old["name"],
                old["kind"],
                code_of.get(old["parent_id"]),
                old["valid_from"],
                old["valid_to"],
            ) != (
                state["name"],
                state["kind"],
                state["parent_code"],
                state["valid_from"],
                state["valid_to"],
            ) or tuple(sorted(successors.get(code, ()))) != tuple(state["successors"]):
                changed.append(code)
            else:
                unchanged += 1

        new_units = Unit.objects.bulk_create(
            [
                Unit(
                    code=code,
                    name=final[code]["name"],
                    kind=final[code]["kind"],
                    valid_from=final[code]["valid_from"],
                    valid_to=final[code]["valid_to"],
                )
                for code in created
            ],
            batch_size=1000,
        )
        ids = {code: u["id"] for code, u in stored.items()}
        ids.update({unit.code: unit.pk for unit in new_units})
        Unit.objects.bulk_update(
            [
                Unit(
                    pk=ids[code],
                    code=code,
                    name=final[code]["name"],
                    kind=final[code]["kind"],
                    valid_from=final[code]["valid_from"],
                    valid_to=final[code]["valid_to"],
                    parent_id=ids.get(final[code]["parent_code"]),
                )
                for code in created + changed
            ],
            ["name", "kind", "valid_from", "valid_to", "parent"],
            batch_size=1000,
        )
        self._write_successors(final, successors, ids)
        units_rebuild_paths()
        return len(created), len(changed), unchanged

    def _stored_successors(self, stored, in_file, code_of):
        through = Unit.successors.through
        result = {}
        ids = [stored[code]["id"] for code in in_file if code in stored]
        for i in range(0, len(ids), 5000):
            for from_id, to_id in through.objects.filter(from_unit_id__in=ids[i : i + 5000]).values_list(
                "from_unit_id", "to_unit_id"
            ):
                result.setdefault(code_of[from_id], []).append(code_of[to_id])
        return {code: tuple(sorted(codes)) for code, codes in result.items()}

    def _write_successors(self, final, stored_successors, ids):
        through = Unit.successors.through
        remove, add = [], []
        for code, state in final.items():
            old, new = set(stored_successors.get(code, ())), set(state["successors"])
            remove += [(ids[code], ids[s]) for s in old - new]
            add += [through(from_unit_id=ids[code], to_unit_id=ids[s]) for s in new - old]
        for from_id, to_id in remove:
            through.objects.filter(from_unit_id=from_id, to_unit_id=to_id).delete()
        through.objects.bulk_create(add, batch_size=1000)

    def _check_cycles(self, final, stored, code_of):
        def parent_of(code):
            if code in final:
                return final[code]["parent_code"]
            old = stored.get(code)
            return code_of.get(old["parent_id"]) if old else None

        for code, state in final.items():
            seen, current = {code}, state["parent_code"]
            while current:
                if current in seen:
                    if current == code:
                        self.error(
                            state["_row"],
                            "parent_code",
                            _("%(parent)r would put this unit below itself (a cycle in the tree)")
                            % {"parent": state["parent_code"]},
                        )
                    break
                seen.add(current)
                current = parent_of(current)
