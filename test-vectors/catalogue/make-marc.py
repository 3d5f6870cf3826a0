"""Write sample.mrc (ISO 2709) and sample.xml (MARCXML) with pymarc, an
independent MARC implementation, for the catalogue import tests.
Run: python3 -m venv v && v/bin/pip install pymarc==5.2.3 && v/bin/python make-marc.py
The output is committed; re-running reproduces it byte for byte."""
from pymarc import Record, Field, Subfield, MARCWriter, XMLWriter, Leader

def record(isbn, title, subtitle, author, publisher, date, subjects, items):
    r = Record(force_utf8=True)
    r.leader = Leader("00000nam a2200000 i 4500")
    if isbn:
        r.add_field(Field(tag="020", indicators=[" ", " "], subfields=[Subfield("a", isbn)]))
    if author:
        r.add_field(Field(tag="100", indicators=["1", " "], subfields=[Subfield("a", author)]))
    sf = [Subfield("a", title + (" :" if subtitle else " /"))]
    if subtitle:
        sf.append(Subfield("b", subtitle + " /"))
    r.add_field(Field(tag="245", indicators=["1", "0"], subfields=sf))
    r.add_field(Field(tag="264", indicators=[" ", "1"], subfields=[
        Subfield("a", "東京 :"), Subfield("b", publisher + ","), Subfield("c", date)]))
    for s in subjects:
        r.add_field(Field(tag="650", indicators=[" ", "7"], subfields=[Subfield("a", s)]))
    for barcode, branch, shelf in items:
        r.add_field(Field(tag="995", indicators=[" ", " "], subfields=[
            Subfield("a", branch), Subfield("f", barcode), Subfield("k", shelf)]))
    return r

records = [
    record("9784003101117 (文庫)", "こころ", None, "夏目漱石", "岩波書店", "1989.", ["日本文学", "小説"],
           [("M-0001", "central", "913.6/ナ"), ("M-0002", "east", "913.6/ナ")]),
    record("4-10-101001-3", "吾輩は猫である", None, "夏目漱石", "新潮社", "c2003.", ["猫"], []),
    record("9780099448822", "Norwegian wood", "a novel", "Murakami, Haruki", "Vintage", "2003.",
           ["Japanese fiction"], [("M-0003", "central", "F/MUR")]),
    # Rejected on import: a bad check digit, and a copy without a branch.
    record("9784101010015", "Bad ISBN", None, "Nobody", "Nowhere", "2020.", [], []),
    record("", "No branch", None, "Nobody", "Nowhere", "2020.", [], [("M-0004", "", "X")]),
]
with open("sample.mrc", "wb") as f:
    w = MARCWriter(f)
    for r in records:
        w.write(r)
with open("sample.xml", "wb") as f:
    w = XMLWriter(f)
    for r in records:
        w.write(r)
    w.close(close_fh=False)
