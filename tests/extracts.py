"""Tiny hand-written 903 extracts for tests: synthetic children, written as councils send them."""

from __future__ import annotations

import csv
import io

HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = [
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
]  # fmt: skip
UASC = ["CHILD", "SEX", "DOB", "DUC"]

# Real postcodes (ONS Postcode Directory): two in Southwark, one in Kent.
HOME = "SE15 5AB"
NEAR = "SE1 7PB"
FAR = "ME14 1XQ"


def child(child_id: str, **fields: str) -> dict[str, str]:
    row = {"CHILD": child_id, "SEX": "1", "DOB": "01/06/2012", "ETHNIC": "WBRI", "UPN": "",
           "MOTHER": "", "MC_DOB": ""}  # fmt: skip
    row.update(fields)
    return row


def episode(child_id: str, decom: str, **fields: str) -> dict[str, str]:
    row = {
        "CHILD": child_id, "DECOM": decom, "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U4",
        "PLACE_PROVIDER": "PR1", "DEC": "", "REC": "", "REASON_PLACE_CHANGE": "",
        "HOME_POST": HOME, "PL_POST": NEAR, "URN": "1234567",
    }  # fmt: skip
    row.update(fields)
    return row


def to_csv(columns: list[str], rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def extract_files(
    children: list[dict[str, str]],
    episodes: list[dict[str, str]],
    uasc: list[dict[str, str]] | None = None,
) -> list[tuple[str, bytes]]:
    files = [("header.csv", to_csv(HEADER, children)), ("episodes.csv", to_csv(EPISODES, episodes))]
    if uasc is not None:
        files.append(("uasc.csv", to_csv(UASC, uasc)))
    return files


# Previewing (tests/sufficiency/test_preview.py, tests/dashboard/test_upload_confirm.py). The
# stored history, as a full history: A in care from January, B from 1 April, C from
# 15 April, D from 1 May, all still in care at 31 May 2024.
STORED = extract_files(
    [child("A1"), child("B2"), child("C3"), child("D4")],
    [
        episode("A1", "10/01/2024"),
        episode("B2", "01/04/2024"),
        episode("C3", "15/04/2024"),
        episode("D4", "01/05/2024"),
    ],
)
# The same month's extract again, window 1 April 2024: the system now has A in a children's
# home since January (changed), B as before, C and D gone (removed), and E from 10 May (added).
CORRECTED = extract_files(
    [child("A1"), child("B2"), child("E5")],
    [
        episode("A1", "10/01/2024", PLACE="K2", PLACE_PROVIDER="PR4"),
        episode("B2", "01/04/2024"),
        episode("E5", "10/05/2024"),
    ],
)


# The XML return's names where they differ from the CSV tables' (docs/ssda903.md#xml).
_XML_HEADER_TAGS = {"CHILD": "CHILDID"}
_XML_EPISODE_TAGS = {"PLACE": "PL"}


def to_xml(children: list[dict[str, str]], episodes: list[dict[str, str]]) -> bytes:
    """The 903 XML return holding these rows, one element to a line: a child's episodes go in
    the first CHILD element with its id (a CHILD given twice gets a second, episode-less one)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<EXPSSDA903>"]
    seen: set[str] = set()
    for row in children:
        lines.append("  <CHILD>")
        fields = "".join(
            f"<{_XML_HEADER_TAGS.get(name, name)}>{value}</{_XML_HEADER_TAGS.get(name, name)}>"
            for name, value in row.items()
        )
        lines.append(f"    <HEADER>{fields}</HEADER>")
        first = row["CHILD"] not in seen
        seen.add(row["CHILD"])
        for item in episodes:
            if not first or item["CHILD"] != row["CHILD"]:
                continue
            fields = "".join(
                f"<{_XML_EPISODE_TAGS.get(name, name)}>{value}</{_XML_EPISODE_TAGS.get(name, name)}>"
                for name, value in item.items()
                if name != "CHILD"
            )
            lines.append(f"    <EPISODE>{fields}</EPISODE>")
        lines.append("  </CHILD>")
    lines.append("</EXPSSDA903>")
    return ("\n".join(lines) + "\n").encode()


def two_children_files() -> list[tuple[str, bytes]]:
    """A complete little extract that loads cleanly into an authority of Southwark's district:
    two children, one in foster care and one in a children's home."""
    return extract_files(
        [child("A1"), child("B2", SEX="2")],
        [episode("A1", "01/04/2024"), episode("B2", "01/05/2024", PLACE="K2", URN="SC123456")],
    )
