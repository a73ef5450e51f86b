#!/usr/bin/python3
"""bench/addressing/gen_tables.py N DIR: write DIR/table1.txt and DIR/table2.txt.

Entry i maps organisation Org<i> under ADMD A<i % 97> (C=TC) to the domain
org<i>.a<i % 97>.example; two entries in three name a PRMD P<i % 13>, the
third writes PRMD$@ (omitted), as RFC 2156 App. F asks.
"""
import os
import sys

n = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "table1.txt"), "w") as t1, open(os.path.join(out, "table2.txt"), "w") as t2:
    t1.write("# generated: %d MCGAMs, O/R -> domain\n" % n)
    t2.write("# generated: %d MCGAMs, domain -> O/R\n" % n)
    for i in range(n):
        prmd = "@" if i % 3 == 2 else "P%d" % (i % 13)
        orside = "O$Org%d.PRMD$%s.ADMD$A%d.C$TC" % (i, prmd, i % 97)
        domain = "org%d.a%d.example" % (i, i % 97)
        t1.write("%s#%s#\n" % (orside, domain))
        t2.write("%s#%s#\n" % (domain, orside))
