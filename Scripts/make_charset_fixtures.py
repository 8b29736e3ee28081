#!/usr/bin/env python3
"""Build Tests/DICOMTests/Fixtures/charset/pydicom-charset-files.json from
pydicom's character-set test files (pydicom/data/charset_files/*.dcm).

For every text element whose VR is affected by Specific Character Set
(SH, LO, ST, LT, PN, UC, UT) it records:

  specificCharacterSet  raw value of (0008,0005) in effect (the item's own, or
                        inherited from the parent data set), backslashes kept
  raw                   the element's value bytes exactly as stored (hex)
  decoded               pydicom's decoding of the value with trailing SPACE
                        padding removed, the way pydicom's reader does it
                        (values split at 0x5C first, PN component groups at
                        0x3D, each part decoded with pydicom.charset.decode_bytes)
  pydicomEncoded        what pydicom's writer produces for `decoded` (hex), or
                        null if it raises
  pydicomWriterAgrees   pydicomEncoded == raw without trailing padding

Run:  python3 Scripts/make_charset_fixtures.py  (pydicom 3 must be installed)
"""

import glob
import json
import os
import sys

import pydicom
from pydicom.charset import convert_encodings, decode_bytes, encode_string
from pydicom.dataelem import RawDataElement
from pydicom.valuerep import PN_DELIMS, TEXT_VR_DELIMS, PersonName

TEXT_VRS = ("SH", "LO", "ST", "LT", "PN", "UC", "UT")
MULTI_VALUED = ("SH", "LO", "PN", "UC")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "DICOMTests", "Fixtures", "charset", "pydicom-charset-files.json")


def raw_charset(ds, inherited):
    if (0x0008, 0x0005) not in ds:
        return inherited
    raw = ds.get_item((0x0008, 0x0005))
    if isinstance(raw, RawDataElement):
        return raw.value.decode("ascii").strip(" \x00")
    value = raw.value
    return "\\".join(value) if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else str(value)


def pydicom_decode(raw: bytes, vr: str, encodings):
    trimmed = raw.rstrip(b" ")
    values = trimmed.split(b"\\") if vr in MULTI_VALUED else [trimmed]
    out = []
    for value in values:
        if vr == "PN":
            groups = value.split(b"=")
            out.append("=".join(decode_bytes(g, encodings, PN_DELIMS) for g in groups))
        else:
            out.append(decode_bytes(value, encodings, TEXT_VR_DELIMS))
    return "\\".join(out)


def pydicom_encode(text: str, vr: str, encodings):
    values = text.split("\\") if vr in MULTI_VALUED else [text]
    out = []
    for value in values:
        if vr == "PN":
            out.append(PersonName(value).encode(encodings))
        else:
            out.append(encode_string(value, encodings))
    return b"\\".join(out)


def walk(ds, charset, path, rows):
    charset = raw_charset(ds, charset)
    encodings = convert_encodings(charset.split("\\") if charset else None)
    for tag in list(ds.keys()):
        raw = ds.get_item(tag)
        if raw.VR == "SQ":
            for index, item in enumerate(ds[tag].value):
                walk(item, charset, path + [f"{tag}[{index}]"], rows)
            continue
        if raw.VR not in TEXT_VRS or not isinstance(raw, RawDataElement) or not raw.value:
            continue
        decoded = pydicom_decode(raw.value, raw.VR, encodings)
        try:
            encoded = pydicom_encode(decoded, raw.VR, encodings)
        except Exception:  # pydicom could not write it back
            encoded = None
        rows.append({
            "path": "/".join(path + [str(tag)]),
            "vr": raw.VR,
            "specificCharacterSet": charset,
            "raw": raw.value.hex(),
            "decoded": decoded,
            "pydicomEncoded": encoded.hex() if encoded is not None else None,
            "pydicomWriterAgrees": encoded == raw.value.rstrip(b" "),
        })


def main():
    folder = os.path.join(os.path.dirname(pydicom.__file__), "data", "charset_files")
    files = []
    for name in sorted(glob.glob(os.path.join(folder, "*.dcm"))):
        ds = pydicom.dcmread(name)
        rows = []
        walk(ds, "", [], rows)
        files.append({"file": os.path.basename(name), "elements": rows})
    document = {
        "generator": "Scripts/make_charset_fixtures.py",
        "pydicom": pydicom.__version__,
        "files": files,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {sum(len(f['elements']) for f in files)} elements", file=sys.stderr)


if __name__ == "__main__":
    main()
