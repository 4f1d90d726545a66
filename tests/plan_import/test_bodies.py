"""The usual public bodies shipped in data/bodies.yaml: well formed, and the names that hold
"và" and commas, before and after the 2025 merger, each read as one body."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from plan_import.bodies import BodiesFileError, Collective, KnownBody, load_known_bodies

BODIES = load_known_bodies()


def test_the_bundled_file_is_well_formed() -> None:
    codes = {b.code for b in BODIES.bodies}
    for body in BODIES.bodies:
        assert not body.merged_into or body.merged_into in codes, body.code
        for day in (body.since, body.until):
            if day:
                date.fromisoformat(day)
    # Every name is one entry's: no name read two ways.
    seen: dict[str, str] = {}
    for entry in (*BODIES.bodies, *BODIES.collectives):
        for name in entry.names:
            found = BODIES.exactly(name)
            assert found is not None and found.code == seen.setdefault(name, entry.code)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Sở Văn hóa, Thể thao và Du lịch", "svhttdl"),
        ("SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH", "svhttdl"),
        ("Sở Khoa học và Công nghệ", "skhcn"),
        ("Sở Kế hoạch và Đầu tư", "skhdt"),
        ("Sở Nông nghiệp và Môi trường", "snnmt"),
        ("Sở Dân tộc và Tôn giáo", "sdttg"),
        ("Sở Lao động, Thương binh và Xã hội", "sldtbxh"),
        ("Bộ Lao động - Thương binh và Xã hội", "bo-ldtbxh"),
        ("Bộ Khoa học, Công nghệ", "bo-khcn"),
        ("UBND các huyện, thị xã, thành phố", "ubnd-cap-huyen"),
        ("UBND các xã, phường, đặc khu", "ubnd-xa-phuong-dac-khu"),
        ("Các sở, ban, ngành", "cac-so-ban-nganh"),
    ],
)
def test_a_name_with_va_or_commas_is_one_body(name: str, code: str) -> None:
    found = BODIES.find(name)
    assert found is not None and found.code == code
    assert isinstance(found, KnownBody | Collective)


def test_a_wrong_file_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bodies.yaml"
    path.write_text("bodies:\n  - {code: a, name: A, level: planet}\n", encoding="utf-8")
    with pytest.raises(BodiesFileError, match=r"bodies\[1\]: level 'planet'"):
        load_known_bodies(path)
    path.write_text(
        "bodies:\n  - {code: a, name: A, level: central}\n  - {code: a, name: B, level: central}\n",
        encoding="utf-8",
    )
    with pytest.raises(BodiesFileError, match="used twice: a"):
        load_known_bodies(path)
