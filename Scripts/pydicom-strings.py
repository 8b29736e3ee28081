#!/usr/bin/env python3
"""Print, for each file named, pydicom's decoded Patient's Name and Institution Name as JSON
{path: {"PatientName": ..., "InstitutionName": ...}} (or {"error": ...})."""
import json
import sys
import warnings

import pydicom

warnings.simplefilter("ignore")
out = {}
for path in sys.argv[1:]:
    try:
        ds = pydicom.dcmread(path)
        out[path] = {"PatientName": str(ds.PatientName), "InstitutionName": str(ds.get("InstitutionName", ""))}
    except Exception as e:  # noqa: BLE001 - reported to the test
        out[path] = {"error": f"{type(e).__name__}: {e}"}
json.dump(out, sys.stdout, ensure_ascii=False)
