"""Run the DfE's 903 validator (PyPI csc-validator-be-903) on a synthetic extract and print the
errors it finds per rule, as `name: value` lines.

Run by `make validate-synthetic` in the validator's own virtual environment (it pins an older
pandas than the product), never imported by the product: python scripts/validate_synthetic.py
FOLDER COLLECTION_YEAR ONS_CODE, where FOLDER holds header.csv, episodes.csv and uasc.csv.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path


def _validator_fault(code: str, frame):  # noqa: ANN202 (pandas is the validator's, not ours)
    """The rows a rule flags that no return could pass, because the validator itself is at
    fault there (docs/uploads.md#the-dfes-validator-on-synthetic-data):

    - 218 (URN required) on a short break (V3/V4), where rule 214 requires the URN blank;
    - 241 (supported accommodation in an area where its provider has premises), which compares
      the placement's area with the submitting authority, for want of Ofsted's lookup;
    - 169 (no authority for the placement's postcode) on a postcode that is in the ONS
      directory, where the validator's own list has no authority for it (Somerset's and
      others' postcodes since their authorities were formed in 2023).
    """
    if code == "218" and "LS" in frame.columns:
        return frame["LS"].isin(["V3", "V4"])
    if code == "169" and "PL_POST" in frame.columns:
        return frame["PL_POST"].notna()
    import pandas as pd  # the validator's own pandas, in its virtual environment

    return pd.Series(code == "241", index=frame.index)


def main(folder: Path, year: int, la_code: str) -> int:
    from lac_validator import lac_validator
    from lac_validator.utils import process_uploaded_files

    logging.disable(logging.CRITICAL)  # the validator logs every rule it runs
    files = [str(folder / name) for name in ("header.csv", "episodes.csv", "uasc.csv")]
    ruleset = f"lac{year - 1}_{str(year)[2:]}"
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    validator = lac_validator.LacValidator(
        metadata={"collectionYear": str(year), "localAuthority": la_code},
        files=process_uploaded_files({"This year": files}),
        registry=registry,
        selected_rules=None,
    )
    counts: dict[str, int] = {}
    faults = 0
    for table, frame in validator.ds_results.items():
        if table == "metadata":
            continue
        for column in frame.columns:
            if column.startswith("ERR_"):
                flagged = frame[column].fillna(False).astype(bool)
                found = int(flagged.sum())
                if found:
                    counts[column[4:]] = counts.get(column[4:], 0) + found
                    faults += int((flagged & _validator_fault(column[4:], frame)).sum())
    print(f"ruleset: {ruleset}")
    print(f"rules_run: {len(validator.dones)}")
    print(f"rules_skipped: {len(validator.skips)}")
    print(f"rules_failed_to_run: {len(validator.fails)}")
    for code in sorted(counts):
        print(f"rule_{code}: {counts[code]}")
    total = sum(counts.values())
    print(f"validator_errors: {total}")
    print(f"validator_faults: {faults}")
    print(f"errors_to_fix: {total - faults}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
