"""The registry's optional contacts: an agency's đầu mối and the secretariat's own address, loaded, checked,
and imported from a list's Vietnamese contact columns (.csv and .xlsx)."""
from __future__ import annotations

import csv
import tomllib

import pytest

from parxl.agencies import Registry
from parxl.errors import RegistryError
from parxl.plan_import.registry import import_registry

REGISTRY = """
[registry]
id = "thu-nghiem"
province = "Tỉnh thử nghiệm"

[secretariat]
name = "Sở Nội vụ tỉnh thử nghiệm"
address = "Số 1 đường Thử nghiệm"
phone = "(0235) 3.810.111"
email = "cchc@snv.thunghiem.gov.vn"
contact = { name = "Nguyễn Thị Hoa", position = "Chuyên viên phòng CCHC", phone = "0905 111 222" }

[[group]]
code = "so-nganh"
name = "Sở, ban, ngành"

[[agency]]
code = "S01"
name = "Sở thử nghiệm 01"
group = "so-nganh"
contact = { name = "Trần Văn An", position = "Phó Chánh Văn phòng", phone = "0235 3852 001", email = "an@s01.gov.vn" }

[[agency]]
code = "S02"
name = "Sở thử nghiệm 02"
group = "so-nganh"
"""


def test_registry_carries_contacts_and_the_secretariat(tmp_path):
    p = tmp_path / "agencies.toml"
    p.write_text(REGISTRY, encoding="utf-8")
    reg = Registry.load(p)
    assert reg.secretariat.name == "Sở Nội vụ tỉnh thử nghiệm"
    assert reg.secretariat.email == "cchc@snv.thunghiem.gov.vn"
    assert reg.secretariat.contact.name == "Nguyễn Thị Hoa"
    c = reg.contact("S01")
    assert (c.name, c.position, c.phone, c.email) == ("Trần Văn An", "Phó Chánh Văn phòng", "0235 3852 001",
                                                      "an@s01.gov.vn")
    assert reg.contact("S02") is None


def test_a_registry_without_contacts_still_loads(tmp_path):
    p = tmp_path / "agencies.toml"
    p.write_text(REGISTRY.split("[secretariat]")[0] + REGISTRY.split('phone = "0905 111 222" }')[1],
                 encoding="utf-8")
    assert Registry.load(p).secretariat is None


@pytest.mark.parametrize("old,bad", [('email = "an@s01.gov.vn"', 'email = "an.s01.gov.vn"'),
                                     ('phone = "0235 3852 001"', 'phone = "gọi văn phòng"'),
                                     ('email = "an@s01.gov.vn"', 'fax = "0235 1"')])
def test_a_malformed_contact_is_refused_where_it_is(old, bad, tmp_path):
    p = tmp_path / "agencies.toml"
    p.write_text(REGISTRY.replace(old, bad), encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        Registry.load(p)
    assert any("S01" in x.where or "agency" in x.where for x in e.value.problems)


def _write(path, rows):
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        import openpyxl
        wb = openpyxl.Workbook()
        ws = wb.active
        for r in rows:
            ws.append(r)
        wb.save(path)
    return path


HEAD = ["Mã", "Tên cơ quan", "Nhóm", "Trực thuộc", "Đầu mối / Họ tên", "Chức vụ", "Điện thoại", "Email/Thư điện tử"]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_registry_import_reads_contact_columns(ext, tmp_path):
    rows = [HEAD,
            ["S01", "Sở thử nghiệm 01", "Sở, ban, ngành", "", "Trần Văn An", "Phó Chánh Văn phòng", "0235 3852 001",
             "an@s01.gov.vn"],
            ["S02", "Sở thử nghiệm 02", "Sở, ban, ngành", "", "", "", "", ""],
            ["X001", "Xã thử nghiệm 001", "UBND cấp xã", "", "Lê Thị Ba", "", "0905.123.456", ""]]
    text = import_registry(_write(tmp_path / f"list.{ext}", rows))
    raw = {a["code"]: a for a in tomllib.loads(text)["agency"]}
    assert raw["S01"]["contact"] == {"name": "Trần Văn An", "position": "Phó Chánh Văn phòng",
                                     "phone": "0235 3852 001", "email": "an@s01.gov.vn"}
    assert "contact" not in raw["S02"]
    assert raw["X001"]["contact"] == {"name": "Lê Thị Ba", "phone": "0905.123.456"}
    p = tmp_path / "agencies.toml"
    p.write_text(text, encoding="utf-8")
    assert Registry.load(p).contact("X001").phone == "0905.123.456"


def test_registry_import_names_the_row_of_a_bad_contact(tmp_path):
    rows = [HEAD,
            ["S01", "Sở thử nghiệm 01", "Sở, ban, ngành", "", "Trần Văn An", "", "0235 3852 001", "an-at-s01"],
            ["S02", "Sở thử nghiệm 02", "Sở, ban, ngành", "", "", "", "không có", ""]]
    with pytest.raises(RegistryError) as e:
        import_registry(_write(tmp_path / "list.csv", rows))
    assert sorted(x.where for x in e.value.problems) == ["row 2", "row 3"]


def test_a_list_without_contact_columns_imports_as_before(tmp_path):
    rows = [["code", "name", "group", "parent"], ["S01", "Sở thử nghiệm 01", "Sở, ban, ngành", ""]]
    raw = tomllib.loads(import_registry(_write(tmp_path / "list.csv", rows)))
    assert "contact" not in raw["agency"][0]


def test_the_documents_head_with_the_secretariat_and_say_whom_to_ask(tmp_path):
    from parxl.documents import form
    from parxl.documents.corrections import _contact_line
    p = tmp_path / "agencies.toml"
    p.write_text(REGISTRY, encoding="utf-8")
    reg = Registry.load(p)
    assert form.issuer_vi(reg) == "SỞ NỘI VỤ"
    assert form.superior_vi("Tỉnh thử nghiệm") == "UBND TỈNH THỬ NGHIỆM"
    assert _contact_line(reg) == ("Mọi vướng mắc đề nghị liên hệ Chuyên viên phòng CCHC Nguyễn Thị Hoa, điện thoại "
                                  "0905 111 222, thư điện tử cchc@snv.thunghiem.gov.vn.")
    p.write_text(REGISTRY.split("[secretariat]")[0] + REGISTRY.split('phone = "0905 111 222" }')[1], encoding="utf-8")
    bare = Registry.load(p)
    assert form.issuer_vi(bare) == "[TÊN CƠ QUAN BAN HÀNH]" and _contact_line(bare).endswith("[…].")
