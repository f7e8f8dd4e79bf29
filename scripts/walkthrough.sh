#!/usr/bin/env bash
# The README's two-organization walkthrough, command by command: a trust
# broker, contoso.test and fabrikam.test on this machine, from new-cert to
# defederate. CI runs it, so the README's commands cannot rot.
#
#   scripts/walkthrough.sh            # in a throw-away folder, removed at the end
#   KEEP=1 scripts/walkthrough.sh     # keep the folder (its path is printed)
#
# Everything listens on 127.0.0.1 only. The test CA and DNS come from
# `fedadmin test-ca` and `fedadmin test-dns`; a real deployment has a public
# CA and its DNS provider instead. The lines between "# >>>" markers are the
# ones the README shows.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "walkthrough: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
fail() { echo "walkthrough: FAILED: $*" >&2; for f in "$W"/*.log; do echo "== $f"; tail -20 "$f"; done >&2; exit 1; }
step() { echo; echo "== $*"; }

# A free port on 127.0.0.1 (bash's /dev/tcp refuses where nothing listens).
freeport() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
# Waits until something listens on 127.0.0.1:$1.
listening() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  fail "nothing listens on port $1"
}

step "building the commands"
(cd "$repo" && go build -o "$W/bin/" ./examples/fedadmin ./examples/trustbroker ./examples/partner ./examples/freebusy)
export PATH="$W/bin:$PATH"
cd "$W"
BROKER=$(freeport); CONTOSO=$(freeport); FABRIKAM=$(freeport)
MONDAY=$(date -u -d 'next monday' +%Y-%m-%d)
M=${MONDAY//-/}

# >>> 1. A test CA and a DNS server for this machine
step "1. a test CA and a test DNS server"
fedadmin test-ca -out ca sts.test autodiscover.contoso.test mail.contoso.test autodiscover.fabrikam.test mail.fabrikam.test
cat > zone.txt <<EOF
sts.test                   A 127.0.0.1
autodiscover.contoso.test  A 127.0.0.1
mail.contoso.test          A 127.0.0.1
autodiscover.fabrikam.test A 127.0.0.1
mail.fabrikam.test         A 127.0.0.1
EOF
fedadmin test-dns -zone zone.txt > dns.log 2>&1 &
# <<<
pids+=($!)
for _ in $(seq 1 100); do grep -q 'answering on' dns.log 2>/dev/null && break; sleep 0.1; done
DNS=$(sed -n 's/^test DNS answering on \([^ ]*\).*/\1/p' dns.log)
[ -n "$DNS" ] || fail "test-dns printed no address"
echo "DNS at $DNS"

# >>> 2. The trust broker
step "2. the trust broker"
trustbroker -state broker -listen "127.0.0.1:$BROKER" -base-url "https://sts.test:$BROKER" \
  -tls-cert ca/tls.pem -tls-key ca/tls-key.pem -dns "$DNS" > broker.log 2>&1 &
# <<<
pids+=($!)
listening "$BROKER"

# >>> 3. Each organization: certificate, domain proof in DNS, federation trust
for org in contoso fabrikam; do
  step "3. $org.test: certificate, domain proof, trust"
  fedadmin -dir "$org" -ca ca/ca.pem -dns "$DNS" settings save   # -ca and -dns for every command with -dir $org
  fedadmin -dir "$org" new-cert
  fedadmin -dir "$org" domain-proof "$org.test" | tee "$org-proof.txt"
  sed -n 's/^DnsRecord *: //p' "$org-proof.txt" >> zone.txt     # "publish" the TXT record
  sleep 0.5                                                      # test-dns re-reads its zone
  fedadmin -dir "$org" trust -broker "https://sts.test:$BROKER" -domain "$org.test"
  fedadmin -dir "$org" trust show
done
# <<<

step "calendars: bob at fabrikam is busy Monday 09:00-11:00 UTC, alice at contoso Monday 13:00-14:00"
mkdir -p cal-contoso cal-fabrikam
ics() { # file uid start end subject
  printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fedavail walkthrough//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%sT000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' \
    "$2" "$M" "$3" "$4" "$5" > "$1"
}
ics cal-fabrikam/bob@fabrikam.test.ics bob-1 "${M}T090000Z" "${M}T110000Z" "Budget review"
ics cal-contoso/alice@contoso.test.ics alice-1 "${M}T130000Z" "${M}T140000Z" "Design sync"

# >>> 4. Each organization answers partners (Autodiscover and EWS)
step "4. the answering services"
partner -dir contoso -calendars cal-contoso -listen "127.0.0.1:$CONTOSO" \
  -ews-url "https://mail.contoso.test:$CONTOSO/EWS/Exchange.asmx" \
  -tls-cert ca/tls.pem -tls-key ca/tls-key.pem -ca ca/ca.pem -dns "$DNS" > contoso.log 2>&1 &
CONTOSO_PID=$!
partner -dir fabrikam -calendars cal-fabrikam -listen "127.0.0.1:$FABRIKAM" \
  -ews-url "https://mail.fabrikam.test:$FABRIKAM/EWS/Exchange.asmx" \
  -tls-cert ca/tls.pem -tls-key ca/tls-key.pem -ca ca/ca.pem -dns "$DNS" > fabrikam.log 2>&1 &
FABRIKAM_PID=$!
# <<<
pids+=("$CONTOSO_PID" "$FABRIKAM_PID")
listening "$CONTOSO"; listening "$FABRIKAM"
grep -q "no organization relationships" contoso.log || fail "partner did not say it has no relationships yet"

# >>> 5. Organization relationships both ways, from each partner's federation information
step "5. organization relationships"
fedadmin -dir contoso relationship add Fabrikam -domain fabrikam.test \
  -autodiscover "https://autodiscover.fabrikam.test:$FABRIKAM/autodiscover/autodiscover.svc" -level LimitedDetails
fedadmin -dir fabrikam relationship add Contoso -domain contoso.test \
  -autodiscover "https://autodiscover.contoso.test:$CONTOSO/autodiscover/autodiscover.svc" -level AvailabilityOnly
kill -HUP "$CONTOSO_PID" "$FABRIKAM_PID"     # the answering services reload sharing.json
# <<<
sleep 1

# >>> 6. Free/busy both ways
step "6. free/busy both ways"
freebusy -dir contoso -from alice@contoso.test -start "$MONDAY" -days 1 -tz UTC bob@fabrikam.test | tee fb1.txt
freebusy -dir fabrikam -from bob@fabrikam.test -start "$MONDAY" -days 1 -tz UTC alice@contoso.test | tee fb2.txt
# <<<
grep -q 'bob@fabrikam.test *·██' fb1.txt || fail "contoso does not see bob busy 09:00-11:00"
grep -q 'alice@contoso.test *·····█' fb2.txt || fail "fabrikam does not see alice busy 13:00-14:00"
grep -q 'FreeBusyMerged view, times only' fb2.txt || fail "fabrikam sees more of alice than times (she did not opt in to details)"

# >>> 7. Federation off and on at contoso, without de-federating
step "7. federation off and on"
fedadmin -dir contoso org-identifier -enabled=false
freebusy -dir contoso -from alice@contoso.test -start "$MONDAY" -days 1 -tz UTC bob@fabrikam.test | tee fb-off.txt || true
fedadmin -dir contoso org-identifier -enabled=true
# <<<
grep -q 'bob@fabrikam.test *no data: this organization.s federation is turned off' fb-off.txt || fail "freebusy asked partners with federation off"
freebusy -dir contoso -from alice@contoso.test -start "$MONDAY" -days 1 -tz UTC bob@fabrikam.test > fb-on.txt \
  || fail "free/busy failed after federation was turned on again"

# >>> 8. Certificate rollover at contoso, one stage at a time
step "8. certificate rollover"
for stage in 1 2 3; do
  force=(); [ "$stage" = 3 ] && force=(-force)   # finish now; for real, wait the 8 hours it announces
  fedadmin -dir contoso rollover "${force[@]}" | tee "rollover-$stage.txt"
  grep ' IN TXT ' "rollover-$stage.txt" >> zone.txt || true   # publish what it asks to publish
  kill -HUP "$CONTOSO_PID"                   # the answering service loads the certificates
  sleep 1
  freebusy -dir fabrikam -from bob@fabrikam.test -start "$MONDAY" -days 1 -tz UTC alice@contoso.test > "fb-rollover-$stage.txt" \
    || fail "free/busy failed after rollover stage $stage"
done
# <<<

# >>> 9. De-federation
step "9. de-federation"
fedadmin -dir contoso defederate -yes
freebusy -dir fabrikam -from bob@fabrikam.test -start "$MONDAY" -days 1 -tz UTC alice@contoso.test | tee fb3.txt || true
# <<<
grep -q "alice@contoso.test *no data: the trust broker gives no token for contoso.test" fb3.txt || fail "fabrikam does not say plainly that contoso left the federation"

echo
echo "walkthrough: passed"
