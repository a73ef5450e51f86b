'use strict';
// bench/x400/wildboar_bench.js NPM_DIR SECONDS FILE
// @wildboar/x400 1.0.6 decoding the same MTS-APDU: the envelope member by
// member (its SET decoder refuses the untagged content-type CHOICE, see
// tests/x400/oracle/oracle.js) and the P22 content whole.
const fs = require('fs');
const path = require('path');
const [npm, seconds, file] = process.argv.slice(2).map((a, i) => (i === 1 ? a : path.resolve(a)));
const asn1 = require(path.join(npm, 'node_modules', 'asn1-ts'));
const M = path.join(npm, 'node_modules', '@wildboar', 'x400', 'src', 'lib', 'modules');
const dec = (m, n) => require(path.join(M, m, n + '.ta'))['_decode_' + n.replace(/-/g, '_')];
const decoders = {
    '1:4': dec('MTSAbstractService', 'MTSIdentifier'), '1:0': dec('MTSAbstractService', 'ORName'),
    '1:6': dec('MTSAbstractService', 'ContentType'), '1:9': dec('MTAAbstractService', 'TraceInformation'),
};
const recipient = dec('MTAAbstractService', 'PerRecipientMessageTransferFields');
const content = dec('IPMSInformationObjects', 'InformationObject');
const bytes = fs.readFileSync(file);
function once() {
    const top = new asn1.BERElement();
    top.fromBytes(bytes);
    const [env, octets] = top.sequence;
    for (const c of env.set) {
        const d = decoders[`${c.tagClass}:${c.tagNumber}`];
        if (d) d(c);
        else if (c.tagClass === 2 && c.tagNumber === 2) c.sequence.map(recipient);
    }
    const inner = new asn1.BERElement();
    inner.fromBytes(octets.octetString);
    return content(inner);
}
let n = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
do {
    once();
    n++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
} while (elapsed < Number(seconds));
const perS = n / elapsed;
console.log(`@wildboar/x400 decode           ${String(bytes.length).padStart(9)} octets ${perS.toFixed(0).padStart(12)} msg/s ${(perS * bytes.length / 1e6).toFixed(1).padStart(9)} MB/s`);
