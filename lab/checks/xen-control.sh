#!/bin/bash
# Why: issue 12 item 2 checked end to end in the lab (until the C# lab driver has
# on_reboot): xl shutdown at the prompt, during (loop) and during (sleep 60) (fail at 20 s,
# times printed); suspend and a hostile memory/target left alone with one console line
# each; xl reboot with on_reboot="restart" brings the REPL back in a new domain.
# Run: lab/run.sh artifacts/lispvm.elf --memory 64 --timeout 500 --script lab/checks/xen-control.sh
# Lines starting "CASE" are the results; exit code 1 if any case failed.
S=/mnt/share
now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }
start() { # cfg -> sets ID TTY OUT, console captured
  xl create -p $1 >/tmp/create.log 2>&1 || { cat /tmp/create.log; return 1; }
  ID=$(xl domid lab-guest); attach; xl unpause $ID
}
attach() {
  TTY=$(xenstore-read /local/domain/$ID/console/tty); OUT=/tmp/out.$ID
  cat $TTY > $OUT 2>/dev/null & CAT=$!
  sleep 0.3
}
waitfor() { # regex seconds
  local i=0; while ! grep -aq -- "$1" $OUT 2>/dev/null; do sleep 0.2; i=$((i+1)); [ $i -ge $(( $2 * 5 )) ] && return 1; done
}
prompts() { grep -ao '\* ' $OUT | wc -l; }
gone() { # id seconds -> prints ms, rc 1 on timeout
  local t=$(now); while xl list $1 >/dev/null 2>&1; do sleep 0.1; [ $(ms $t) -gt $(( $2 * 1000 )) ] && return 1; done; ms $t
}
say() { echo "CASE $*"; }
fail=0
sed 's/on_reboot = "destroy"/on_reboot = "restart"/' $S/guest.cfg > /tmp/restart.cfg
grep -q 'on_reboot = "restart"' /tmp/restart.cfg || { echo "no restart cfg"; fail=1; }

# 1. xl shutdown at the idle prompt
start $S/guest.cfg
waitfor '\* ' 120 || { say "1 no prompt"; cat -v $OUT; fail=1; }
t=$(now); xl shutdown lab-guest; echo "xl shutdown rc $?"
if d=$(gone $ID 20); then say "1 shutdown at prompt: gone after ${d} ms"; else say "1 FAIL still there after 20 s"; fail=1; xl destroy $ID; fi
grep -aq 'powering off' $OUT && say "1 console: $(grep -ao 'xl shutdown: powering off' $OUT)" || { say "1 FAIL no message"; fail=1; }
kill $CAT 2>/dev/null

# 2. xl shutdown during (loop); output written before reaches the console
start $S/guest.cfg
waitfor '\* ' 120 || { say "2 no prompt"; fail=1; }
printf '(progn (print (quote before-loop)) (loop))\r' > $TTY
waitfor 'BEFORE-LOOP' 30 || { say "2 FAIL no BEFORE-LOOP before shutdown"; fail=1; }
sleep 2
xl shutdown lab-guest
if d=$(gone $ID 20); then say "2 shutdown during (loop): gone after ${d} ms"; else say "2 FAIL still there after 20 s"; fail=1; xl destroy $ID; fi
grep -aq 'powering off' $OUT && say "2 console has the message" || { say "2 FAIL no message"; fail=1; }
kill $CAT 2>/dev/null

# 3. suspend and a hostile target are left alone; (sleep 60) is interrupted by xl shutdown
start $S/guest.cfg
waitfor '\* ' 120 || { say "3 no prompt"; fail=1; }
xenstore-write /local/domain/$ID/control/shutdown suspend
xenstore-write /local/domain/$ID/memory/target -- -5 2>/dev/null || xenstore-write /local/domain/$ID/memory/target 12abc
sleep 3
say "3 control/shutdown now '$(xenstore-read /local/domain/$ID/control/shutdown)'"
printf '(+ 40 2)\r' > $TTY
waitfor '42' 20 && say "3 REPL answers 42 after suspend + garbage target" || { say "3 FAIL no answer"; fail=1; }
tr -d '\r' < $OUT | grep -a 'ignoring' | sed 's/^/CASE 3 console: /'
xenstore-write /local/domain/$ID/control/shutdown ""
printf '(sleep 60)\r' > $TTY
sleep 3
xl shutdown lab-guest
if d=$(gone $ID 20); then say "3 shutdown during (sleep 60): gone after ${d} ms"; else say "3 FAIL still there"; fail=1; xl destroy $ID; fi
kill $CAT 2>/dev/null

# 4. xl reboot with on_reboot="restart": the prompt comes back in a new domain
start /tmp/restart.cfg
waitfor '\* ' 120 || { say "4 no prompt"; fail=1; }
OLD=$ID; t=$(now)
xl reboot lab-guest; echo "xl reboot rc $?"
i=0; NEW=$OLD
while [ "$NEW" = "$OLD" ] || [ -z "$NEW" ]; do sleep 0.2; NEW=$(xl domid lab-guest 2>/dev/null); i=$((i+1)); [ $i -gt 200 ] && break; done
grep -aq 'rebooting' $OUT && say "4 console: rebooting" || { say "4 FAIL no reboot message"; fail=1; }
kill $CAT 2>/dev/null
if [ -n "$NEW" ] && [ "$NEW" != "$OLD" ]; then
  say "4 new domid $NEW (was $OLD) after $(ms $t) ms"
  ID=$NEW; attach
  sleep 2
  for k in 1 2 3 4 5 6 7 8 9 10 11 12; do printf '(+ 40 2)\r' > $TTY; waitfor '42' 10 && break; done
  grep -aq 42 $OUT && say "4 rebooted REPL answers 42 after $(ms $t) ms" || { say "4 FAIL no answer after reboot"; cat -v $OUT | tail -5; fail=1; }
  xl shutdown lab-guest; d=$(gone $ID 20) && say "4 rebooted guest shut down in ${d} ms"
  kill $CAT 2>/dev/null
else say "4 FAIL no new domain"; xl list; fail=1; fi
xl list
exit $fail
