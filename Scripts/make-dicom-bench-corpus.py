#!/usr/bin/env python3
"""Write the deterministic DICOM corpus used by Scripts/bench-dicom-read.sh.

    make-dicom-bench-corpus.py OUTDIR [--count N]

OUTDIR/files/  N (default 1,000) single-frame instances with realistic headers:
               CT (512x512, 16-bit, 0.5 MB of pixel data), MR (256x256, 16-bit),
               US (640x480 RGB, 0.9 MB) and SR-like documents (no pixel data, deeply
               nested Content Sequence). Each header has 80-200 elements counting nested
               ones, with sequences, private groups and, for some, a Specific Character
               Set (ISO_IR 100 or ISO_IR 192) with non-ASCII names.
               Transfer syntaxes: implicit VR little endian, explicit VR little endian,
               a few explicit VR big endian and a few deflated explicit VR little endian.
OUTDIR/multiframe.dcm
               One enhanced-CT-like multi-frame file: 115 frames of 512x512 16-bit
               (60.3 MB of pixel data), explicit VR little endian, with a per-frame
               functional groups sequence of 115 items.
OUTDIR/MANIFEST  one line per file: name, transfer syntax, element count, size.

Everything comes from fixed seeds, so the same pydicom/numpy versions give the same bytes.
"""
import argparse
import os
import random
import sys
import warnings

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

warnings.simplefilter("ignore")  # pydicom warns about writing big endian / retired syntaxes

ROOT = "1.2.826.0.1.3680043.10.1472.9"  # Isthmus benchmark UID root
CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
US_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
SR_STORAGE = "1.2.840.10008.5.1.4.1.1.88.33"  # Comprehensive SR

FAMILY = ["Smith", "Jones", "Garcia", "Nguyen", "Okafor", "Kowalski", "Rossi", "Tanaka", "Dubois", "Silva"]
FAMILY_LATIN1 = ["Müller", "Gonçalves", "Ångström", "Pérez", "Jørgensen", "Håkansson"]
GIVEN = ["Anna", "Ben", "Chen", "Dana", "Emil", "Fatima", "Georg", "Hana", "Ivan", "Julia"]
BODY = ["CHEST", "ABDOMEN", "HEAD", "PELVIS", "KNEE", "SPINE", "NECK"]
CODES = [("T-D3000", "Chest"), ("T-D4000", "Abdomen"), ("T-D1100", "Head"), ("T-D6000", "Pelvis"),
         ("T-15720", "Knee joint"), ("T-11500", "Spine")]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.uid_n = 0

    def uid(self, kind):
        self.uid_n += 1
        return f"{ROOT}.{kind}.{self.uid_n}.{self.r.randrange(10**6)}"

    def date(self):
        return f"20{self.r.randrange(15, 26):02d}{self.r.randrange(1, 13):02d}{self.r.randrange(1, 29):02d}"

    def time(self):
        return f"{self.r.randrange(7, 20):02d}{self.r.randrange(60):02d}{self.r.randrange(60):02d}.{self.r.randrange(10**6):06d}"

    def ds(self, lo=-500.0, hi=500.0):
        return f"{self.r.uniform(lo, hi):.6f}"[:16]

    def name(self, charset):
        fam = self.r.choice(FAMILY_LATIN1 if charset and self.r.random() < 0.7 else FAMILY)
        return f"{fam}^{self.r.choice(GIVEN)}^^^"[:-3]

    def code(self, value, meaning, scheme="SRT"):
        c = Dataset()
        c.CodeValue = value
        c.CodingSchemeDesignator = scheme
        c.CodeMeaning = meaning
        return c


def count_elements(ds):
    n = 0
    for elem in ds:
        n += 1
        if elem.VR == "SQ":
            for item in elem.value:
                n += count_elements(item)
    return n


def common_header(g, ds, sop_class, modality, charset):
    if charset:
        ds.SpecificCharacterSet = charset
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"] if modality != "SR" else None
    if ds.ImageType is None:
        del ds.ImageType
    ds.InstanceCreationDate = g.date()
    ds.InstanceCreationTime = g.time()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = g.uid(1)
    ds.StudyDate = g.date()
    ds.SeriesDate = ds.StudyDate
    ds.ContentDate = ds.StudyDate
    ds.StudyTime = g.time()
    ds.SeriesTime = ds.StudyTime
    ds.ContentTime = g.time()
    ds.AccessionNumber = f"A{g.r.randrange(10**9):09d}"
    ds.Modality = modality
    ds.Manufacturer = g.r.choice(["ACME Medical", "Isthmus Imaging", "Northwind Systems"])
    ds.InstitutionName = g.r.choice(["General Hospital", "St. Mary's Clinic", "University Medical Center"])
    ds.InstitutionAddress = f"{g.r.randrange(1, 999)} Main Street\r\nSpringfield"
    ds.ReferringPhysicianName = g.name(charset)
    ds.StationName = f"STATION{g.r.randrange(100)}"
    ds.StudyDescription = f"{g.r.choice(BODY)} {modality} {g.r.choice(['W/O CONTRAST', 'WITH CONTRAST', 'ROUTINE'])}"
    ds.SeriesDescription = f"{g.r.choice(['Axial', 'Sagittal', 'Coronal'])} {g.r.choice(['1.0', '2.5', '5.0'])} mm"
    ds.InstitutionalDepartmentName = "Radiology"
    ds.PerformingPhysicianName = g.name(charset)
    ds.OperatorsName = g.name(charset)
    ds.ManufacturerModelName = g.r.choice(["Model X", "Model 9000", "Aurora"])
    proc = g.code(*g.r.choice(CODES))
    ds.ProcedureCodeSequence = Sequence([proc])
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    ref.ReferencedSOPInstanceUID = g.uid(2)
    ds.ReferencedStudySequence = Sequence([ref])
    ds.PatientName = g.name(charset)
    ds.PatientID = f"P{g.r.randrange(10**7):07d}"
    ds.IssuerOfPatientID = "HOSP"
    ds.PatientBirthDate = f"19{g.r.randrange(30, 99)}{g.r.randrange(1, 13):02d}{g.r.randrange(1, 29):02d}"
    ds.PatientSex = g.r.choice(["M", "F", "O"])
    ds.PatientAge = f"{g.r.randrange(1, 95):03d}Y"
    ds.PatientSize = g.ds(1.4, 2.0)[:6]
    ds.PatientWeight = g.ds(40, 120)[:6]
    ds.OtherPatientIDs = f"X{g.r.randrange(10**6)}"
    ds.EthnicGroup = ""
    ds.PatientComments = ""
    ds.DeviceSerialNumber = f"{g.r.randrange(10**8)}"
    ds.SoftwareVersions = [f"VA{g.r.randrange(10, 60)}", f"SP{g.r.randrange(1, 9)}"]
    ds.ProtocolName = f"{g.r.choice(BODY)}_{modality}_ROUTINE"
    ds.StudyInstanceUID = g.uid(3)
    ds.SeriesInstanceUID = g.uid(4)
    ds.StudyID = f"{g.r.randrange(10**5)}"
    ds.SeriesNumber = g.r.randrange(1, 20)
    ds.InstanceNumber = g.r.randrange(1, 400)
    req = Dataset()
    req.RequestedProcedureID = f"RP{g.r.randrange(10**6)}"
    req.ScheduledProcedureStepID = f"SPS{g.r.randrange(10**6)}"
    req.ScheduledProcedureStepDescription = ds.StudyDescription
    req.ScheduledProtocolCodeSequence = Sequence([g.code(f"P{g.r.randrange(1000)}", "Routine protocol", "99LOCAL")])
    ds.RequestAttributesSequence = Sequence([req])
    ds.PerformedProcedureStepStartDate = ds.StudyDate
    ds.PerformedProcedureStepStartTime = ds.StudyTime
    ds.PerformedProcedureStepID = f"PPS{g.r.randrange(10**6)}"
    ds.PerformedProcedureStepDescription = ds.StudyDescription


def private_groups(g, ds, n_groups):
    """Private blocks as vendors write them: a creator and a handful of mixed-VR elements."""
    groups = [0x0009, 0x0019, 0x0029, 0x0043, 0x7FD1][:n_groups]
    for gi, group in enumerate(groups):
        creator = g.r.choice(["ACME 1.1", "ISTHMUS_PRIVATE", "NORTHWIND HEADER", "SIEMENS CSA HEADER"])
        block = ds.private_block(group, creator, create=True)
        for k in range(g.r.randrange(4, 12)):
            kind = g.r.randrange(6)
            if kind == 0:
                block.add_new(k, "LO", f"vendor value {g.r.randrange(10**6)}")
            elif kind == 1:
                block.add_new(k, "DS", [g.ds(), g.ds(), g.ds()])
            elif kind == 2:
                block.add_new(k, "US", g.r.randrange(65536))
            elif kind == 3:
                block.add_new(k, "SL", g.r.randrange(-2**31, 2**31))
            elif kind == 4:
                block.add_new(k, "OB", bytes(g.r.randrange(256) for _ in range(g.r.choice([16, 64, 256, 1024, 4096]))))
            else:
                item = Dataset()
                item.add_new(0x00080100, "SH", f"C{g.r.randrange(1000)}")
                item.add_new(0x00080104, "LO", "private nested item")
                block.add_new(k, "SQ", Sequence([item]))


def cap_header(ds, limit):
    """Drops private data elements (last first), then SR content items, down to `limit` elements."""
    private = [e.tag for e in ds if e.tag.is_private and not e.tag.is_private_creator]
    while count_elements(ds) > limit and private:
        del ds[private.pop()]
    while count_elements(ds) > limit and len(ds.get("ContentSequence", [])) > 1:
        ds.ContentSequence = Sequence(list(ds.ContentSequence)[:-1])


def pad_header(g, ds, target):
    """Adds standard attributes until the header has `target` elements (nested ones included)."""
    extra = [
        ("AcquisitionDate", lambda: g.date()), ("AcquisitionTime", lambda: g.time()),
        ("TimezoneOffsetFromUTC", lambda: "+0000"), ("AdmittingDiagnosesDescription", lambda: "none"),
        ("PatientAddress", lambda: "1 Elm Street"), ("MilitaryRank", lambda: ""),
        ("BranchOfService", lambda: ""), ("MedicalAlerts", lambda: ""), ("Allergies", lambda: ""),
        ("CountryOfResidence", lambda: "US"), ("RegionOfResidence", lambda: "MA"),
        ("PatientTelephoneNumbers", lambda: "555-0100"), ("SmokingStatus", lambda: "NO"),
        ("PregnancyStatus", lambda: 4), ("LastMenstrualDate", lambda: g.date()),
        ("PatientReligiousPreference", lambda: ""), ("ResponsibleOrganization", lambda: "HOSP"),
        ("StudyComments", lambda: "benchmark corpus"), ("RequestingPhysician", lambda: g.name(None)),
        ("RequestingService", lambda: "ER"), ("RequestedProcedureDescription", lambda: "Routine"),
        ("ReasonForStudy", lambda: "Follow-up"), ("ImageComments", lambda: "synthetic"),
        ("DerivationDescription", lambda: ""), ("PositionReferenceIndicator", lambda: "SN"),
        ("LossyImageCompression", lambda: "00"), ("PresentationLUTShape", lambda: "IDENTITY"),
        ("BurnedInAnnotation", lambda: "NO"), ("QualityControlImage", lambda: "NO"),
        ("DateOfLastCalibration", lambda: g.date()), ("TimeOfLastCalibration", lambda: g.time()),
        ("SpatialResolution", lambda: g.ds(0, 2)), ("DeviceUID", lambda: g.uid(9)),
        ("AcquisitionNumber", lambda: g.r.randrange(1, 50)), ("ImagesInAcquisition", lambda: g.r.randrange(1, 500)),
        ("CommentsOnThePerformedProcedureStep", lambda: ""), ("IrradiationEventUID", lambda: g.uid(10)),
        ("ClinicalTrialSponsorName", lambda: ""), ("ClinicalTrialProtocolID", lambda: ""),
        ("ConsultingPhysicianName", lambda: g.name(None)), ("NameOfPhysiciansReadingStudy", lambda: g.name(None)),
        ("AdmittingDiagnosesDescription", lambda: ""), ("PatientState", lambda: "stable"),
        ("SpecialNeeds", lambda: ""), ("RequestedContrastAgent", lambda: ""),
        ("ImageLaterality", lambda: "U"), ("FrameOfReferenceUID", lambda: g.uid(11)),
    ]
    i = 0
    while count_elements(ds) < target and i < len(extra):
        kw, f = extra[i]
        if kw not in ds:
            setattr(ds, kw, f())
        i += 1
    # Still short: referenced-image items (2 elements each, plus 1 for the sequence itself).
    refs = []
    while count_elements(ds) + (2 if refs else 3) <= target:
        ref = Dataset()
        ref.ReferencedSOPClassUID = ds.SOPClassUID
        ref.ReferencedSOPInstanceUID = g.uid(12)
        refs.append(ref)
        ds.ReferencedImageSequence = Sequence(refs)


def image_pixel(ds, rows, cols, bits, signed, samples=1):
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = "MONOCHROME2" if samples == 1 else "RGB"
    if samples == 3:
        ds.PlanarConfiguration = 0
    ds.Rows = rows
    ds.Columns = cols
    ds.BitsAllocated = bits
    ds.BitsStored = 12 if bits == 16 else 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0


def ct(g, ds, rng, charset):
    common_header(g, ds, CT_STORAGE, "CT", charset)
    ds.ScanOptions = "HELICAL MODE"
    ds.SliceThickness = g.r.choice(["1.0", "2.5", "5.0"])
    ds.KVP = g.r.choice(["100", "120", "140"])
    ds.DataCollectionDiameter = "500.0"
    ds.ReconstructionDiameter = g.ds(300, 500)
    ds.DistanceSourceToDetector = "1085.6"
    ds.DistanceSourceToPatient = "595.0"
    ds.GantryDetectorTilt = "0.0"
    ds.TableHeight = g.ds(100, 200)
    ds.RotationDirection = "CW"
    ds.ExposureTime = str(g.r.randrange(300, 1500))
    ds.XRayTubeCurrent = str(g.r.randrange(50, 500))
    ds.Exposure = str(g.r.randrange(50, 500))
    ds.FilterType = "BODY FILTER"
    ds.GeneratorPower = str(g.r.randrange(10, 100))
    ds.FocalSpots = "1.2"
    ds.ConvolutionKernel = g.r.choice(["B30f", "STANDARD", "LUNG"])
    ds.PatientPosition = "HFS"
    ds.RevolutionTime = 0.5
    ds.SingleCollimationWidth = 0.6
    ds.TotalCollimationWidth = 38.4
    ds.SpiralPitchFactor = 1.0
    ds.CTDIvol = round(g.r.uniform(1, 30), 3)
    ctdi = Dataset()
    ctdi.CTDIPhantomTypeCodeSequence = Sequence([g.code("113691", "IEC Body Dosimetry Phantom", "DCM")])
    ds.CTDIPhantomTypeCodeSequence = ctdi.CTDIPhantomTypeCodeSequence
    ds.ImagePositionPatient = [g.ds(), g.ds(), g.ds()]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.SliceLocation = g.ds()
    image_pixel(ds, 512, 512, 16, signed=True)
    ds.PixelSpacing = [g.ds(0.5, 1)[:8]] * 2
    ds.WindowCenter = ["40", "-600"]
    ds.WindowWidth = ["400", "1500"]
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.WindowCenterWidthExplanation = ["WINDOW1", "WINDOW2"]
    ds.AnatomicRegionSequence = Sequence([g.code(*g.r.choice(CODES))])
    return rng.integers(-1024, 3071, size=(512, 512), dtype=np.int16)


def mr(g, ds, rng, charset):
    common_header(g, ds, MR_STORAGE, "MR", charset)
    ds.ScanningSequence = ["SE", "IR"]
    ds.SequenceVariant = ["SK", "SP", "MP"]
    ds.ScanOptions = ["PFP", "SAT1"]
    ds.MRAcquisitionType = "2D"
    ds.SequenceName = "*tse2d1_15"
    ds.AngioFlag = "N"
    ds.SliceThickness = "4.0"
    ds.RepetitionTime = str(g.r.randrange(400, 9000))
    ds.EchoTime = g.ds(5, 120)[:8]
    ds.InversionTime = str(g.r.randrange(100, 2500))
    ds.NumberOfAverages = "1"
    ds.ImagingFrequency = "123.2"
    ds.ImagedNucleus = "1H"
    ds.EchoNumbers = "1"
    ds.MagneticFieldStrength = g.r.choice(["1.5", "3"])
    ds.SpacingBetweenSlices = "4.4"
    ds.EchoTrainLength = str(g.r.randrange(1, 32))
    ds.PercentSampling = "80"
    ds.PercentPhaseFieldOfView = "100"
    ds.PixelBandwidth = "190"
    ds.ReceiveCoilName = "Head_32"
    ds.TransmitCoilName = "Body"
    ds.AcquisitionMatrix = [0, 256, 205, 0]
    ds.InPlanePhaseEncodingDirection = "ROW"
    ds.FlipAngle = "150"
    ds.SAR = g.ds(0, 3)[:8]
    ds.dBdt = "0"
    ds.PatientPosition = "HFS"
    ds.ImagePositionPatient = [g.ds(), g.ds(), g.ds()]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.SliceLocation = g.ds()
    image_pixel(ds, 256, 256, 16, signed=False)
    ds.PixelSpacing = ["0.8984375", "0.8984375"]
    ds.SmallestImagePixelValue = 0
    ds.LargestImagePixelValue = 4095
    ds.WindowCenter = "600"
    ds.WindowWidth = "1200"
    return rng.integers(0, 4095, size=(256, 256), dtype=np.uint16)


def us(g, ds, rng, charset):
    common_header(g, ds, US_STORAGE, "US", charset)
    del ds.ImageType
    ds.ImageType = ["ORIGINAL", "PRIMARY", "ABDOMINAL"]
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.RegionDataType = 1
    region.RegionFlags = 2
    region.RegionLocationMinX0 = 0
    region.RegionLocationMinY0 = 0
    region.RegionLocationMaxX1 = 639
    region.RegionLocationMaxY1 = 479
    region.PhysicalUnitsXDirection = 3
    region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = 0.0123
    region.PhysicalDeltaY = 0.0123
    ds.SequenceOfUltrasoundRegions = Sequence([region])
    ds.TransducerData = ["C5-1", "", ""]
    ds.ProcessingFunction = "ABDOMEN"
    image_pixel(ds, 480, 640, 8, signed=False, samples=3)
    ds.LossyImageCompression = "00"
    return rng.integers(0, 255, size=(480, 640, 3), dtype=np.uint8)


def sr(g, ds, rng, charset):
    common_header(g, ds, SR_STORAGE, "SR", charset)
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([g.code("126000", "Imaging Measurement Report", "DCM")])
    tmpl = Dataset()
    tmpl.MappingResource = "DCMR"
    tmpl.TemplateIdentifier = "1500"
    ds.ContentTemplateSequence = Sequence([tmpl])

    def measurement(depth):
        item = Dataset()
        item.RelationshipType = "CONTAINS"
        if depth < 2 and g.r.random() < 0.4:
            item.ValueType = "CONTAINER"
            item.ContinuityOfContent = "SEPARATE"
            item.ConceptNameCodeSequence = Sequence([g.code("125007", "Measurement Group", "DCM")])
            item.ContentSequence = Sequence([measurement(depth + 1) for _ in range(g.r.randrange(1, 4))])
        else:
            item.ValueType = "NUM"
            item.ConceptNameCodeSequence = Sequence([g.code("G-D705", "Volume")])
            mv = Dataset()
            mv.MeasurementUnitsCodeSequence = Sequence([g.code("cm3", "cubic centimeter", "UCUM")])
            mv.NumericValue = g.ds(0, 100)[:10]
            item.MeasuredValueSequence = Sequence([mv])
        return item

    ds.ContentSequence = Sequence([measurement(0) for _ in range(g.r.randrange(2, 4))])
    while count_elements(ds) > 190 and len(ds.ContentSequence) > 1:
        ds.ContentSequence = Sequence(list(ds.ContentSequence)[:-1])
    return None


def make_meta(ds, ts):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = f"{ROOT}.0"
    meta.ImplementationVersionName = "ISTHMUS_BENCH"
    ds.file_meta = meta


def set_pixels(ds, pixels, ts):
    if pixels is None:
        return
    if ts == ExplicitVRBigEndian and pixels.dtype.itemsize > 1:
        pixels = pixels.astype(pixels.dtype.newbyteorder(">"))
    raw = pixels.tobytes()
    ds.PixelData = raw
    # OW for 16-bit, OB for 8-bit in explicit VR; implicit VR has no VR on the wire.
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"


def write(ds, path, ts):
    make_meta(ds, ts)
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


def single_frames(outdir, count):
    g = Gen(20261129)
    rng = np.random.default_rng(20261129)
    os.makedirs(os.path.join(outdir, "files"), exist_ok=True)
    manifest = []
    kinds = [("CT", ct, 0.42), ("MR", mr, 0.30), ("US", us, 0.13), ("SR", sr, 0.15)]
    for i in range(count):
        x = g.r.random()
        acc = 0.0
        for name, make, weight in kinds:
            acc += weight
            if x < acc:
                break
        charset = g.r.choice([None, None, None, "ISO_IR 100", "ISO_IR 192"])
        ds = Dataset()
        pixels = make(g, ds, rng, charset)
        private_groups(g, ds, g.r.randrange(1, 5))
        cap_header(ds, 200)
        pad_header(g, ds, g.r.randrange(80, 201))
        # Transfer syntax: about half implicit, the rest explicit LE, 3% big endian, SRs sometimes deflated.
        t = g.r.random()
        if name == "SR" and t < 0.15:
            ts = DeflatedExplicitVRLittleEndian
        elif t < 0.03:
            ts = ExplicitVRBigEndian
        elif t < 0.50:
            ts = ImplicitVRLittleEndian
        else:
            ts = ExplicitVRLittleEndian
        set_pixels(ds, pixels, ts)
        n = count_elements(ds)
        fname = f"{i:05d}-{name}.dcm"
        path = os.path.join(outdir, "files", fname)
        write(ds, path, ts)
        manifest.append(f"{fname}\t{ts.name}\t{n}\t{os.path.getsize(path)}")
    return manifest


def multiframe(outdir, frames=115):
    g = Gen(115)
    rng = np.random.default_rng(115)
    ds = Dataset()
    common_header(g, ds, ENHANCED_CT_STORAGE, "CT", None)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.NumberOfFrames = frames
    image_pixel(ds, 512, 512, 16, signed=True)
    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = ["0.7", "0.7"]
    pm.SliceThickness = "1.0"
    shared.PixelMeasuresSequence = Sequence([pm])
    orient = Dataset()
    orient.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    shared.PlaneOrientationSequence = Sequence([orient])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per = []
    for f in range(frames):
        item = Dataset()
        content = Dataset()
        content.FrameAcquisitionNumber = f + 1
        content.DimensionIndexValues = [1, f + 1]
        content.StackID = "1"
        content.InStackPositionNumber = f + 1
        item.FrameContentSequence = Sequence([content])
        pos = Dataset()
        pos.ImagePositionPatient = ["-180", "-180", f"{-f * 1.0:.1f}"]
        item.PlanePositionSequence = Sequence([pos])
        voi = Dataset()
        voi.WindowCenter = "40"
        voi.WindowWidth = "400"
        item.FrameVOILUTSequence = Sequence([voi])
        per.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)
    pixels = rng.integers(-1024, 3071, size=(frames, 512, 512), dtype=np.int16)
    set_pixels(ds, pixels, ExplicitVRLittleEndian)
    path = os.path.join(outdir, "multiframe.dcm")
    write(ds, path, ExplicitVRLittleEndian)
    return f"multiframe.dcm\t{ExplicitVRLittleEndian.name}\t{count_elements(ds)}\t{os.path.getsize(path)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=1000)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    manifest = single_frames(args.outdir, args.count)
    manifest.append(multiframe(args.outdir))
    with open(os.path.join(args.outdir, "MANIFEST"), "w") as f:
        f.write(f"# pydicom {pydicom.__version__}, numpy {np.__version__}\n")
        f.write("\n".join(manifest) + "\n")
    total = sum(int(line.split("\t")[3]) for line in manifest)
    print(f"wrote {len(manifest)} files, {total / 1e6:.1f} MB, to {args.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
