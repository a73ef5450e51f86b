#!/bin/bash
# x400gwctl x400: outputs and exit statuses, the contract scripts rely on.
#   cli_test.sh X400GWCTL SAMPLE_WRITER WORK_DIR
set -u
ctl=$1 writer=$2 work=$3
mkdir -p "$work" && "$writer" "$work" || exit 1
failures=0
expect() { # expect STATUS DESCRIPTION -- COMMAND...
    local want=$1 what=$2
    shift 3
    "$@" >"$work/out" 2>"$work/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL $what: exit $got, expected $want"; sed 's/^/  /' "$work/err"; failures=$((failures + 1))
    else
        echo "ok   $what"
    fi
}
has() { # has FILE TEXT DESCRIPTION
    if grep -q -F -- "$2" "$1"; then echo "ok   $3"; else echo "FAIL $3: no '$2' in $1"; failures=$((failures + 1)); fi
}

expect 0 "decode a message" -- "$ctl" x400 decode "$work/message-full.ber"
has "$work/out" "priority: urgent" "decode prints the tree"
expect 0 "decode --json from stdin" -- bash -c "\"$ctl\" x400 decode --json - < \"$work/report.ber\""
has "$work/out" '"non-delivery-reason-code":1' "decode --json prints JSON"
expect 0 "decode --content ipm" -- "$ctl" x400 decode --content ipm "$work/ipm-full.p22"
has "$work/out" "subject: Quarterly report (draft)" "the IPM heading is printed"
head -c 100 "$work/message-full.ber" > "$work/truncated.ber"
expect 1 "decode a truncated message" -- "$ctl" x400 decode "$work/truncated.ber"
has "$work/err" "at byte" "the error names its byte offset"
expect 1 "decode P22 as P1" -- "$ctl" x400 decode "$work/ipm-full.p22"
expect 2 "an unknown --content" -- "$ctl" x400 decode --content edi "$work/ipm-full.p22"
expect 2 "decode without FILE" -- "$ctl" x400 decode

expect 0 "to-mime" -- "$ctl" x400 to-mime "$work/message-full.ber"
has "$work/out" "X400-MTS-Identifier: [/PRMD=ATC Net/ADMD= /C=XX/;msg-0001.x400gw]" "to-mime writes the MTS identifier"
has "$work/err" '"mail_from":"ann@atc.example"' "to-mime writes the envelope as JSON on stderr"
[ "$(wc -l < "$work/err")" = 1 ] && echo "ok   the envelope is one line" || { echo "FAIL the envelope is not one line"; failures=$((failures + 1)); }
cp "$work/out" "$work/full.eml"
expect 1 "to-mime of invalid BER" -- "$ctl" x400 to-mime "$work/truncated.ber"
expect 3 "to-mime of a probe" -- "$ctl" x400 to-mime "$work/probe.ber"
has "$work/err" "probe" "the refusal says why"
expect 3 "to-mime of a probe says which" -- "$ctl" x400 to-mime "$work/probe.ber"
has "$work/err" "probe [/PRMD=ATC Net/ADMD= /C=XX/;probe-9]" "the refusal names the probe"
expect 0 "decode a probe" -- "$ctl" x400 decode --json "$work/probe.ber"
has "$work/out" '"content-length":4096' "the probe's fields are printed"
expect 0 "answer a probe" -- "$ctl" x400 answer-probe "$work/probe.ber"
cp "$work/out" "$work/probe-answer.ber"
expect 0 "the answer decodes" -- "$ctl" x400 decode "$work/probe-answer.ber"
has "$work/out" "local-identifier: probe-9" "the answer's subject is the probe"
has "$work/out" "non-delivery-diagnostic-code: 15" "a probe for a content type other than IPM is answered content-type-not-supported"
expect 3 "answer-probe of a message" -- "$ctl" x400 answer-probe "$work/message-full.ber"
expect 0 "decode Teletex, universal and PSAP address forms" -- "$ctl" x400 decode "$work/message-intl.ber"
has "$work/out" "S: Muller*M{200}uller" "a Teletex form is printed as RFC 2156 writes it"
has "$work/out" "attribute: universal-common-name" "a universal attribute is named"
has "$work/out" "NET-PSAP: '0001'H/'0002'H/'0003'H/NS+490001aa" "a PSAP address is printed in RFC 1278 form"
expect 0 "to-mime of the international sample" -- "$ctl" x400 to-mime "$work/message-intl.ber"
has "$work/out" "Discarded-X400-MTS-Extensions: 1.3.6.1.4.1.58888.11 (recipient 1)" "a per-recipient extension is named as discarded"
has "$work/out" 'creation-date="Tue, 01 Dec 2026 09:30:00 +0000"' "the FTBP dates are Content-Disposition parameters"
has "$work/out" "Subject: Spotkanie w =?utf-8?B?" "the T.61 subject is UTF-8"
cp "$work/out" "$work/intl.eml"
expect 0 "from-mime of the international sample" -- "$ctl" x400 from-mime --from ann@atc.example --to bob@b.example "$work/intl.eml"
cp "$work/out" "$work/intl-back.ber"
expect 0 "from-mime output of the international sample decodes" -- "$ctl" x400 decode "$work/intl-back.ber"
expect 0 "to-mime of a report" -- "$ctl" x400 to-mime "$work/report.ber"
has "$work/out" "report-type=delivery-status" "a report becomes an RFC 3464 DSN"
has "$work/err" '"mail_from":""' "a DSN has the null reverse path"
cp "$work/out" "$work/dsn.eml"
expect 0 "from-mime of a DSN" -- "$ctl" x400 from-mime --from "" --to ann@atc.example "$work/dsn.eml"
cp "$work/out" "$work/report-back.ber"
expect 0 "the report decodes" -- "$ctl" x400 decode "$work/report-back.ber"
has "$work/out" "non-delivery-diagnostic-code: 0" "the DSN becomes a report again"

expect 0 "from-mime" -- "$ctl" x400 from-mime --from ann@atc.example --to bob@b.example --to cy@c.example "$work/full.eml"
cp "$work/out" "$work/back.ber"
expect 0 "from-mime output decodes" -- "$ctl" x400 decode "$work/back.ber"
has "$work/out" "local-identifier: msg-0001.x400gw" "the MTS identifier survives the round trip"
has "$work/out" "originally-specified-recipient-number: 2" "both recipients are there"
expect 0 "to-mime of an IPN" -- "$ctl" x400 to-mime "$work/message-ipn-receipt.ber"
has "$work/out" "report-type=disposition-notification" "an IPN becomes an RFC 8098 MDN"
cp "$work/out" "$work/mdn.eml"
expect 0 "from-mime of an MDN with the null reverse path" -- "$ctl" x400 from-mime --from "" --to ann@atc.example "$work/mdn.eml"
expect 3 "from-mime with an unmappable MAIL FROM" -- "$ctl" x400 from-mime --from "not an address" --to b@b.example "$work/full.eml"
expect 2 "from-mime without --to" -- "$ctl" x400 from-mime --from a@a.example "$work/full.eml"
printf '[addressing]\ngateway_domain = "gw.example"\ngateway_or = "/PRMD=GW/ADMD= /C=XX/"\n' > "$work/x400gw.toml"
expect 0 "from-mime --config" -- "$ctl" x400 from-mime --config "$work/x400gw.toml" --from a@a.example --to b@b.example "$work/full.eml"
printf '[addressing\n' > "$work/bad.toml"
expect 2 "a broken --config" -- "$ctl" x400 to-mime --config "$work/bad.toml" "$work/message-full.ber"

[ "$failures" = 0 ] && echo "all CLI checks passed" || { echo "$failures failure(s)"; exit 1; }
