"""Write the malformed catalogue files the import must survive without
losing a row silently (issue 10, item 5). Plain Python 3, no packages;
derived from sample.mrc / sample.xml (make-marc.py) so they stay in step.
Run: python3 make-malformed.py   (the output is committed; re-running
reproduces it byte for byte).

* stray-quote.csv — one good row, a row whose first field opens a quote
  that never closes (line 3), then 50 good rows: the csv crate reads all
  of them as one field of line 3.
* truncated.mrc — sample.mrc cut in the middle of its third record.
* bad-length.mrc — sample.mrc with the second record's leader length
  overwritten by letters: that record is unreadable, the others are fine.
* truncated.xml — sample.xml cut in the middle of its third <record>.
"""

with open("stray-quote.csv", "w", encoding="utf-8", newline="\n") as f:
    f.write("title,authors,year\n")
    f.write("栞の手前,前田一,2001\n")
    f.write('"壊れた行,誰か,2020\n')
    for i in range(1, 51):
        f.write(f"栞の後ろ {i},後藤{i},2002\n")

mrc = open("sample.mrc", "rb").read()
ends = [i + 1 for i, b in enumerate(mrc) if b == 0x1D]
third = (ends[1], ends[2])
with open("truncated.mrc", "wb") as f:
    f.write(mrc[: third[0] + (third[1] - third[0]) // 2])
with open("bad-length.mrc", "wb") as f:
    f.write(mrc[: ends[0]] + b"XXXXX" + mrc[ends[0] + 5 :])

xml = open("sample.xml", "rb").read()
starts = [i for i in range(len(xml)) if xml.startswith(b"<record>", i)]
with open("truncated.xml", "wb") as f:
    f.write(xml[: starts[2] + 200])
