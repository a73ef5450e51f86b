#!/usr/bin/python3
"""tests/addressing/cli_test.py: `x400gwctl address ...`, outputs and exit codes.

Usage: cli_test.py PATH/TO/x400gwctl

Each case runs the CLI and checks stdout exactly, the exit status exactly
(0 done, 1 refused, 2 usage error) and, for refusals, that stderr names the
stage (and the file and line for tables).
"""
import json
import os
import subprocess
import sys
import tempfile

CTL = sys.argv[1]
failures = []
count = 0


def run(args):
    p = subprocess.run([CTL] + args, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def case(args, rc, stdout=None, stderr_has=None):
    global count
    count += 1
    got_rc, out, err = run(args)
    problems = []
    if got_rc != rc:
        problems.append(f"exit {got_rc}, expected {rc}")
    if stdout is not None and out != stdout:
        problems.append(f"stdout {out!r}, expected {stdout!r}")
    if stderr_has is not None and stderr_has not in err:
        problems.append(f"stderr {err!r} lacks {stderr_has!r}")
    if problems:
        failures.append(f"{args}: " + "; ".join(problems))


def case_json(args, expected):
    global count
    count += 1
    got_rc, out, err = run(args)
    if got_rc != 0:
        failures.append(f"{args}: exit {got_rc} ({err.strip()})")
        return
    try:
        got = json.loads(out)
    except ValueError:
        failures.append(f"{args}: not JSON: {out!r}")
        return
    if got != expected:
        failures.append(f"{args}: {got} != {expected}")


with tempfile.TemporaryDirectory() as d:
    def write(name, text):
        path = os.path.join(d, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    table1 = write("table1.txt", "# MCGAMs\nO$Widget.PRMD$@.ADMD$BTT.C$TC#Widget.COM#\nADMD$Master400.C$it#Master400.it#\n")
    table2 = write("table2.txt", "Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#\nMaster400.it#ADMD$Master400.C$it#\n")
    gate1 = write("gate1.txt", "ADMD$ATT.C$us#attmail.com#\n")
    gate2 = write("gate2.txt", "alter.net#PRMD$relay.ADMD$BTglobal.C$gb#\n")
    bad = write("bad.txt", "Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#\n\nbroken line\n")
    skipped = write("skipped.txt", "XEROX.COM#O$Xerox.ADMD$ATT.C$US#\n")
    sub = os.path.join(d, "conf")
    os.mkdir(sub)
    with open(os.path.join(sub, "t2.txt"), "w") as f:
        f.write("mapped.example#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\n")
    config = write("conf/x400gw.toml", """
[addressing]
gateway_domain = "gw.example"
gateway_or = "C=TC; ADMD=BTT; O=SMTP-GW"
tables = { domain-to-or = "t2.txt" }
""")
    broken_config = write("broken.toml", "[addressing\n")
    gw = ["--gateway-domain", "gw.example", "--gateway-or", "C=TC; ADMD=BTT; O=SMTP-GW"]
    tables = ["--table", f"or-to-domain={table1}", "--table", f"domain-to-or={table2}",
              "--table", f"gate-or-to-domain={gate1}", "--table", f"gate-domain-to-or={gate2}"]

    # ---- parse: every text form, canonical std-or out
    case(["address", "parse", "C=TC; ADMD=BTT; O=Widget; S=Smith"], 0, "/S=Smith/O=Widget/ADMD=BTT/C=TC/\n")
    case(["address", "parse", "/OU=Lab1/OU=R-D/O=Salford/PRMD=UK.AC/ADMD=GOLD 400/C=GB/"], 0,
         "/OU=Lab1/OU=R-D/O=Salford/PRMD=UK.AC/ADMD=GOLD 400/C=GB/\n")
    case(["address", "parse", "G=john; S=smith; O=a bank ltd; P=abl; A=snomail; C=aq"], 0,
         "/G=john/S=smith/O=a bank ltd/PRMD=abl/ADMD=snomail/C=aq/\n")
    case(["address", "parse", "c=US;a=TELENET;p=ABC;o=P/Q;g=JOHN;s=STEEL"], 0,
         "/G=JOHN/S=STEEL/O=P$/Q/PRMD=ABC/ADMD=TELENET/C=US/\n")
    case(["address", "parse", "IMCEAX400-c=US+3Ba=+20+3Bp=MS+3Bo=PARIS+3Bs=user+3B@host.microsoft.com"], 0,
         "/S=user/O=PARIS/PRMD=MS/ADMD= /C=US/\n")
    case(["address", "parse", "imceax400-c=US+3Ba=+20+3Bp=MS+3Bo=PARIS+3Bs=user+3B@host.microsoft.com"], 0,
         "/S=user/O=PARIS/PRMD=MS/ADMD= /C=US/\n")
    case(["address", "parse", "X400:c=US;a= ;p=MS;o=PARIS;s=user;"], 0, "/S=user/O=PARIS/PRMD=MS/ADMD= /C=US/\n")
    case(["address", "to-rfc822", "--gateway-domain", "gw.example", "--gateway-or", "C=TC;ADMD=BTT;O=GW",
          "x400:c=US;a= ;p=MS;o=PARIS;s=user;"], 0, "\"/S=user/O=PARIS/PRMD=MS/ADMD= /C=US/\"@gw.example\n")
    case(["address", "parse", "X400:"], 1, "", "nothing after the proxy type X400:")
    case(["address", "parse", "--form", "labelled", "/G=john/S=smith/O=a bank ltd/PRMD=abl/ADMD=snomail/C=aq/"], 0,
         "G=john; S=smith; O=a bank ltd; P=abl; A=snomail; C=aq\n")
    case(["address", "parse", "--form", "imcea", "--domain", "host.microsoft.com", "c=US;a= ;p=MS;o=PARIS;s=user;"], 0,
         "IMCEAX400-c=US+3Ba=+20+3Bp=MS+3Bo=PARIS+3Bs=user+3B@host.microsoft.com\n")
    case(["address", "parse", "--form", "imcea", "C=US;A=x;S=y"], 2, "", "--domain")
    case(["address", "parse", "--form", "fancy", "C=US;A=x;S=y"], 2, "")
    # parse checks syntax only; validate adds the bounds
    case(["address", "parse", "/S=x/OU=1/OU=2/OU=3/OU=4/OU=5/O=y/ADMD=z/C=TC/"], 0,
         "/S=x/OU=1/OU=2/OU=3/OU=4/OU=5/O=y/ADMD=z/C=TC/\n")
    case(["address", "validate", "/S=x/OU=1/OU=2/OU=3/OU=4/OU=5/O=y/ADMD=z/C=TC/"], 1, "", "validate: 5 OUs (at most 4)")
    case(["address", "validate", "C=TC; ADMD=BTT; O=Widget; S=Smith"], 0, "/S=Smith/O=Widget/ADMD=BTT/C=TC/\n")
    case(["address", "validate", "C=USA; ADMD=x; S=y"], 1, "", "validate: C must be 2 letters or 3 digits")
    case(["address", "parse", "/S=x/FOO=y/"], 1, "", "parse: unknown attribute type 'FOO'")
    case(["address", "parse", "/S=x//O=y/"], 1, "", "parse: empty attribute (doubled delimiter)")
    # The numbered alternative keys: DD1..DD4 name a DDA's place, PD-A1..PD-A6 the postal lines.
    case(["address", "parse", "/DD2.b=2/DD1.a=1/S=x/ADMD=y/C=TC/"], 0, "/DD.b=2/DD.a=1/S=x/ADMD=y/C=TC/\n")
    case_json(["address", "parse", "--json", "S=Smith; PD-A1=742 Evergreen Terrace; PD-A2=Springfield; A=ptt; C=TC"],
              {"C": "TC", "ADMD": "ptt", "S": "Smith", "PD-ADDRESS": "742 Evergreen Terrace|Springfield"})
    case(["address", "parse", "/DD1.a=1/DD3.b=2/S=x/C=TC/"], 1, "", "parse: DD3 without DD2")
    case(["address", "validate", "/S=x/PD-ADDRESS=1|2|3|4|5|6|7/ADMD=y/C=TC/"], 1, "",
         "validate: PD-ADDRESS has 7 lines (at most 6)")

    # ---- --json: the three states, OU and DDA arrays
    case_json(["address", "parse", "--json", "c=US;a= ;p=MS;o=PARIS;s=user;"],
              {"C": "US", "ADMD": " ", "PRMD": "MS", "O": "PARIS", "S": "user"})
    case_json(["address", "parse", "--json", "/S=x/O=/ADMD=/C=TC/"], {"C": "TC", "ADMD": "", "O": "", "S": "x"})
    case_json(["address", "parse", "--json", "/RFC-822=a(a)b/DD.x=1/OU=Lab1/OU=R-D/O=S/ADMD=A/C=GB/"],
              {"C": "GB", "ADMD": "A", "O": "S", "OU": ["R-D", "Lab1"],
               "DDA": [{"type": "x", "value": "1"}, {"type": "RFC-822", "value": "a(a)b"}]})
    case_json(["address", "parse", "--json", "/G=A/I=B/S=C/GQ=3/CN=d/X121=1/UA-ID=2/T-ID=t/ADMD=A/C=GB/"],
              {"C": "GB", "ADMD": "A", "S": "C", "G": "A", "I": "B", "GQ": "3", "CN": "d", "X121": "1",
               "UA-ID": "2", "T-ID": "t"})

    # ---- to-rfc822
    case(["address", "to-rfc822", "c=us; a=mci; p=prmd; s=user; g=another", "--gateway-domain", "microsoft.org.com"], 0,
         "/G=another/S=user/PRMD=prmd/ADMD=mci/C=us/@microsoft.org.com\n")
    case(["address"] + gw + tables + ["to-rfc822", "C=TC; ADMD=BTT; O=Widget; OU=Marketing; S=Linnimouth; I=J"], 0,
         "J.Linnimouth@Marketing.Widget.COM\n")
    case(["address", "to-rfc822", "S=Support; O=sales; A=Master400; C=it"] + gw + tables, 0,
         "/S=Support/O=sales/@Master400.it\n")
    case(["address", "to-rfc822", "G=Andy; S=Wharol; O=MMNY; A=ATT; C=us"] + gw + tables, 0,
         "/G=Andy/S=Wharol/O=MMNY/@attmail.com\n")
    case(["address", "to-rfc822", "C=GB; ADMD=GOLD 400; PRMD=UK.AC; O=UCL; OU=CS; RFC-822=Jimmy(a)WIDGET-LABS.CO.UK"]
         + gw, 0, "Jimmy@WIDGET-LABS.CO.UK\n")
    case(["address", "to-rfc822", "C=TC; ADMD=BTT; O=x; RFC-822=bad(x)value"] + gw, 1, "", "map: 550 5.1.1")
    case(["address", "to-rfc822", "C=TC; S=x"], 2, "", "gateway domain")
    case(["address", "to-rfc822", "/S=x/OU=1/OU=2/OU=3/OU=4/OU=5/O=y/ADMD=z/C=TC/"] + gw, 1, "", "validate: 5 OUs")

    # ---- to-x400
    case(["address"] + gw + tables + ["to-x400", "J.Linnimouth@Marketing.Widget.COM"], 0,
         "/I=J/S=Linnimouth/OU=Marketing/O=Widget/ADMD=BTT/C=TC/\n")
    case(["address", "to-x400", "Support@sales.Master400.it"] + gw + tables, 0,
         "/S=Support/PRMD=sales/ADMD=Master400/C=it/\n")
    case(["address", "to-x400", "user@example.org"] + gw, 0, "/RFC-822=user(a)example.org/O=SMTP-GW/ADMD=BTT/C=TC/\n")
    # an RFC 822 address as written: a phrase and angle brackets, comments, blanks around
    for written in ["User Name <user@example.org>", "\"Name, User\" <user@example.org>",
                    "user@example.org (User Name)", " user@example.org\n"]:
        case(["address", "to-x400", written] + gw, 0, "/RFC-822=user(a)example.org/O=SMTP-GW/ADMD=BTT/C=TC/\n")
    case(["address", "to-x400", "Team: a@example.org, b@example.org;"] + gw, 1, "",
         "map: 501 5.1.3 not an RFC 822 address: a group, not one mailbox")
    case(["address", "to-x400", "--role", "header", "postmaster@UK.alter.net"] + gw + tables, 0,
         "/RFC-822=postmaster(a)UK.alter.net/PRMD=relay/ADMD=BTglobal/C=gb/\n")
    case(["address", "to-x400", "--role", "return", "postmaster@UK.alter.net"] + gw + tables, 0,
         "/RFC-822=postmaster(a)UK.alter.net/O=SMTP-GW/ADMD=BTT/C=TC/\n")
    case_json(["address", "to-x400", "--json", "Smith@Widget.COM"] + gw + tables,
              {"C": "TC", "ADMD": "BTT", "O": "Widget", "S": "Smith"})
    case(["address", "to-x400", "x" * 600 + "@example.org"] + gw, 1, "", "map: 553 5.1.3")
    case(["address", "to-x400", "no-at-sign"] + gw, 1, "", "map: 501 5.1.3")
    case(["address", "to-x400", "--role", "sideways", "a@b.c"] + gw, 2, "")
    case(["address", "to-x400", "a@b.example", "--gateway-domain", "gw.example"], 2, "", "gateway O/R")

    # options anywhere after `address`, one value per --table
    case(["address", "to-x400", "--table", f"domain-to-or={table2}", "Smith@Widget.COM"] + gw, 0,
         "/S=Smith/O=Widget/ADMD=BTT/C=TC/\n")

    # ---- configuration file, relative table paths, overrides
    case(["address", "--config", config, "to-x400", "ops@mapped.example"], 0, "/S=ops/O=Mapped/ADMD=BTT/C=TC/\n")
    case(["address", "to-x400", "ops@mapped.example", "--config", config, "--gateway-or", "C=TC; ADMD=BTT; O=Other"], 0,
         "/S=ops/O=Mapped/ADMD=BTT/C=TC/\n")
    case(["address", "to-x400", "x@unmapped.example", "--config", config, "--gateway-or", "C=TC; ADMD=BTT; O=Other"], 0,
         "/RFC-822=x(a)unmapped.example/O=Other/ADMD=BTT/C=TC/\n")
    case(["address", "to-x400", "ops@mapped.example", "--config", config, "--table", f"domain-to-or={bad}"], 1, "",
         f"table: {bad}:3: missing '#' between the two sides")
    case(["address", "to-x400", "a@b.example", "--config", broken_config], 2, "", "config:")
    case(["address", "to-x400", "a@b.example", "--config", config, "--table", "nonsense"], 2, "", "--table KIND=FILE")

    # ---- tables
    case(["address", "table", "check", "--kind", "domain-to-or", table2], 0, f"{table2}: 2 entries, domain-to-or\n")
    case(["address", "table", "check", "--kind", "domain-to-or", bad], 1, "", f"table: {bad}:3: missing '#'")
    case(["address", "table", "check", "--kind", "domain-to-or", skipped], 0, f"{skipped}: 1 entries, domain-to-or\n",
         "warning: " + skipped + ":1: PRMD skipped")
    case(["address", "table", "check", "--kind", "or-to-domain", table2], 1, "", "table: ")
    windows = write("windows.txt", "\ufeff# saved by Notepad\r\nWidget.COM#O$Widget.ADMD$BTT.C$TC#\r\n"
                                   "gadget.example#PRMD$Gadget.ADMD$ .C$GB#\r\n")
    case(["address", "table", "check", "--kind", "domain-to-or", windows], 0, f"{windows}: 2 entries, domain-to-or\n")
    case(["address", "table", "check", "--kind", "sideways", table2], 2, "")
    case(["address", "table", "check", "--kind", "domain-to-or", os.path.join(d, "missing.txt")], 1, "", "cannot read")
    zone = "ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n*.ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n"
    t2px = write("t2px.txt", "ab.fr#PRMD$ab.ADMD$ac.C$fr#\n")
    case(["address", "table", "convert", "--kind", "domain-to-or", "--to", "dns", t2px], 0, zone)
    zfile = write("zone.txt", zone)
    # a directory is no table, not an empty one
    case(["address", "table", "check", "--kind", "domain-to-or", d], 1, "", "Is a directory")
    case(["address", "table", "convert", "--kind", "domain-to-or", "--to", "mixer", d], 1, "", "Is a directory")
    case(["address", "table", "convert", "--kind", "domain-to-or", "--to", "mixer", zfile], 0,
         "ab.fr#PRMD$ab.ADMD$ac.C$fr#\n")
    # a zone as a DNS server keeps it: SOA over lines, NS, $ORIGIN, "@", a blank owner
    full_zone = write("full.zone", "$ORIGIN fr.\n@ IN SOA ns hostmaster (\n  1 3600 900 604800 86400 )\n"
                                   "  IN NS ns\nab IN PX 50 ab PRMD-ab.ADMD-ac.C-fr.\n")
    case(["address", "table", "convert", "--kind", "domain-to-or", "--to", "mixer", full_zone], 0,
         "ab.fr#PRMD$ab.ADMD$ac.C$fr#\n", "warning: " + full_zone + ": 2 record(s) other than PX skipped (SOA, NS)")
    t1px = write("t1px.txt", "PRMD$ab.ADMD$ac.C$fr#ab.fr#\n")
    case(["address", "table", "convert", "--kind", "or-to-domain", "--to", "dns", t1px], 0,
         "PRMD-ab.ADMD-ac.X42D.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n"
         "*.PRMD-ab.ADMD-ac.X42D.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n")
    g2px = write("g2px.txt", "mw#O$cce.PRMD$nrc.ADMD$acme.C$it#\n")
    case(["address", "table", "convert", "--kind", "gate-domain-to-or", "--to", "dns", g2px], 0,
         "mw. IN PX 50 mw. O-cce.PRMD-nrc.ADMD-acme.C-it.G.\n*.mw. IN PX 50 mw. O-cce.PRMD-nrc.ADMD-acme.C-it.G.\n")
    case(["address", "table", "convert", "--kind", "domain-to-or", "--to", "mixer", zfile.replace("zone", "nozone")], 1,
         "", "cannot read")
    case(["address", "table", "convert", "--kind", "domain-to-or", "--to", "ldap", t2px], 2, "")
    case(["address", "table", "convert", "--kind", "gate-domain-to-or", "--to", "mixer", zfile], 1, "",
         f"table: {zfile}:1: a gateway record must end MAPX400 with '.G.'")

    # ---- usage errors
    case(["address"], 2)
    case(["address", "parse"], 2)
    case(["address", "frobnicate", "x"], 2)
    case(["address", "table"], 2)

if failures:
    print(f"{len(failures)} of {count} CLI cases failed:")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print(f"{count} CLI cases passed")
