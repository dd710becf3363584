#!/usr/bin/env bash
# An example of a supplier's test command for konform's command driver (docs/sut.md): a
# prescribing and dispensing system played by curl, which carries out "skapa förskrivning" (create
# a prescription), "läs läkemedelslista" (read the medication list) and "expediera förskrivning"
# (dispense a prescription: check it with $verify, then register it in a transaction,
# NLLTransactionBundle) through konform's gateway.
#
#   sut:
#     driver: command
#     command: [./examples/sut-command/sut.sh, "{{action}}"]
#     probe: [./examples/sut-command/sut.sh, --help]    # konform doctor runs it
#
# konform passes the action's parameters as KONFORM_PARAM_* (and as JSON on stdin), the gateway
# as KONFORM_GATEWAY, the certificates as KONFORM_GATEWAY_CA, KONFORM_CLIENT_CERT and
# KONFORM_CLIENT_KEY, and against its simulator the test user as KONFORM_USER_AUTHORIZATION and
# KONFORM_USER_X_ORG_INFO, and the run's test data (the article to prescribe) as KONFORM_TESTDATA_*.
# The script answers on stdout with JSON: the status NLL gave and what
# it showed its user ({"status": 201, "shown": "…", "values": {"id": "…"}}). Exit 0 is done.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
templates="${SUT_TEMPLATES:-$here/../../nllpack/templates}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

uuid() { cat /proc/sys/kernel/random/uuid; }

# nll METHOD PATH [curl arguments]: one call to NLL through the gateway; the answer's body lands in
# $tmp/body, its headers in $tmp/headers, and the status is printed.
nll() {
  local method="$1" path="$2"
  shift 2
  curl -sS --max-time 20 -X "$method" "$KONFORM_GATEWAY/$path" \
    --cacert "$KONFORM_GATEWAY_CA" --cert "$KONFORM_CLIENT_CERT" --key "$KONFORM_CLIENT_KEY" \
    -H "Authorization: ${KONFORM_USER_AUTHORIZATION:?no test user; give the system its own token}" \
    -H "X-Org-Info: $KONFORM_USER_X_ORG_INFO" \
    -H "Accept: application/fhir+json" -H "X-Request-ID: $(uuid)" -H "X-User-Agent: exempel-kommando/1.0" \
    -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' "$@"
}

# answer STATUS SHOWN [ID]: the answer to konform.
answer() {
  jq -cn --argjson status "$1" --arg shown "$2" --arg id "${3:-}" \
    '{status: $status, shown: $shown, values: (if $id == "" then {} else {id: $id} end)}'
}

# patient PNR: the patient's id in NLL, looked up for care with the patient's consent.
patient() {
  local status
  status=$(nll GET "Patient" -G --data-urlencode "identifier=http://electronichealth.se/identifier/personnummer|$1" \
    -H "X-Purpose: VARD" -H "X-Access: TILLFALLIGT_SAMTYCKE")
  if [ "$status" != 200 ]; then
    answer "$status" "Patienten kunde inte hämtas: NLL svarade $status"
    exit 0
  fi
  jq -r '.entry[0].resource.id // empty' "$tmp/body"
}

case "${1:-}" in
--help)
  echo "usage: sut.sh ACTION (skapa förskrivning, läs läkemedelslista, expediera förskrivning); konform's command driver runs it (docs/sut.md)"
  command -v curl >/dev/null && command -v jq >/dev/null # the probe: ready when curl and jq are here
  ;;
"skapa förskrivning")
  id=$(patient "$KONFORM_PARAM_PATIENT")
  if [ -z "$id" ] || [ "${id:0:1}" = "{" ]; then
    [ -n "$id" ] && echo "$id" || answer 200 "Patienten finns inte i NLL"
    exit 0
  fi
  # The article is the run's test article (KONFORM_TESTDATA_*): one the environment knows.
  sed -e "s/{{patient.id}}/$id/g" -e "s/{{run.id}}/$KONFORM_RUN_ID/g" -e "s/{{today}}/$(date +%F)/g" \
    -e "s/{{testdata.article.nplpackid}}/$KONFORM_TESTDATA_ARTICLE_NPLPACKID/g" -e "s/{{testdata.article.name}}/$KONFORM_TESTDATA_ARTICLE_NAME/g" \
    "$templates/${KONFORM_PARAM_MALL:-forskrivning.json}" |
    jq --arg t "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '.authoredOn = $t' > "$tmp/request.json"
  provenance=$(jq -cn --arg run "$KONFORM_RUN_ID" \
    '{resourceType: "Provenance", activity: {coding: [{code: "nyordination"}], text: "nyordination"}, reason: [{text: ("Exempelsystemet, körning " + $run)}]}' | base64 -w0)
  status=$(nll POST "MedicationRequest" -H "Content-Type: application/fhir+json" -H "X-Provenance: $provenance" \
    --data-binary "@$tmp/request.json")
  if [ "${status:0:1}" = 2 ]; then
    created=$(tr -d '\r' < "$tmp/headers" | sed -n 's|^[Ll]ocation: .*MedicationRequest/\([^/]*\).*|\1|p')
    answer "$status" "Förskrivningen är registrerad: NLL svarade $status" "$created"
  else
    answer "$status" "Förskrivningen avvisades: NLL svarade $status – $(jq -r '[.issue[]?.diagnostics // empty] | join("; ")' "$tmp/body" 2>/dev/null)"
  fi
  ;;
"läs läkemedelslista")
  if [ "${KONFORM_PARAM_SAMTYCKE:-ja}" = nej ]; then
    answer 0 "Patienten samtycker inte; läkemedelslistan hämtas inte"
    exit 0
  fi
  id=$(patient "$KONFORM_PARAM_PATIENT")
  [ "${id:0:1}" = "{" ] && { echo "$id"; exit 0; }
  status=$(nll GET "MedicationRequest" -G --data-urlencode "patient=$id" -H "X-Purpose: VARD" -H "X-Access: TILLFALLIGT_SAMTYCKE")
  answer "$status" "Läkemedelslistan: NLL svarade $status"
  ;;
"expediera förskrivning")
  # The pharmacy reads the prescription, checks the dispense with $verify and, when NLL found no
  # issue, registers it as the one entry of a transaction, its provenance in the entry's
  # nllProvenanceDetails instead of x-provenance (docs/sut.md, section 6, Transactions).
  pharmacy=(-H "X-Purpose: EXPEDIERING" -H "X-Access: UTAN_KRAV_SAMTYCKE")
  status=$(nll GET "MedicationRequest/$KONFORM_PARAM_FORSKRIVNING" "${pharmacy[@]}")
  if [ "$status" != 200 ]; then
    answer "$status" "Förskrivningen kunde inte hämtas: NLL svarade $status"
    exit 0
  fi
  id=$(jq -r '.subject.reference | sub("^.*Patient/"; "")' "$tmp/body")
  sed -e "s/{{patient.id}}/$id/g" -e "s/{{created.id}}/$KONFORM_PARAM_FORSKRIVNING/g" -e "s/{{run.id}}/$KONFORM_RUN_ID/g" -e "s/{{today}}/$(date +%F)/g" \
    -e "s/{{testdata.article.nplpackid}}/$KONFORM_TESTDATA_ARTICLE_NPLPACKID/g" -e "s/{{testdata.article.name}}/$KONFORM_TESTDATA_ARTICLE_NAME/g" \
    "$templates/${KONFORM_PARAM_MALL:-uttag.json}" > "$tmp/dispense.json"
  status=$(nll POST "MedicationDispense/\$verify" "${pharmacy[@]}" -H "Content-Type: application/fhir+json" --data-binary "@$tmp/dispense.json")
  if [ "$status" != 200 ] || [ "$(jq '[.parameter[]? | select(.name == "detectedIssues") | .valueBoolean] | any' "$tmp/body")" = true ]; then
    answer "$status" "Kontrollen fann avvikelser; uttaget registreras inte"
    exit 0
  fi
  provenance=$(jq -cn --arg run "$KONFORM_RUN_ID" \
    '{resourceType: "Provenance", activity: {coding: [{code: "expediering"}], text: "expediering"}, reason: [{text: ("Exempelsystemet, körning " + $run)}]}' | base64 -w0)
  jq --arg p "$provenance" '{resourceType: "Bundle", type: "transaction", entry: [{resource: ., request: {method: "POST", url: "MedicationDispense",
    extension: [{url: "http://electronichealth.se/fhir/StructureDefinition/nllProvenanceDetails", valueString: $p}]}}]}' \
    "$tmp/dispense.json" > "$tmp/transaction.json"
  status=$(nll POST "" "${pharmacy[@]}" -H "Content-Type: application/fhir+json" --data-binary "@$tmp/transaction.json")
  entry=$(jq -r '.entry[0].response.status // empty' "$tmp/body" 2>/dev/null | cut -d' ' -f1)
  if [ "$status" = 200 ] && [ "${entry:0:1}" = 2 ]; then
    answer "$entry" "Uttaget är registrerat: NLL svarade $entry" "$(jq -r '.entry[0].response.location' "$tmp/body" | sed 's|/_history/.*||; s|.*/||')"
  else
    answer "$status" "Uttaget avvisades: NLL svarade $status – $(jq -r '[.issue[]?.diagnostics // empty] | join("; ")' "$tmp/body" 2>/dev/null)"
  fi
  ;;
*)
  echo "the example system cannot $1; it does skapa förskrivning, läs läkemedelslista and expediera förskrivning" >&2
  exit 3
  ;;
esac
