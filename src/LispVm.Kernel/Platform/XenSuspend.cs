// Why: `xl save`, `xl restore`, `xl save -c` and `xl migrate` for the image on Xen: the
// devices' half of a suspend, around the machine half (XenPv.Shim MachineSuspend). One pass
// of an explicit state machine (Step is the one transition function): Quiesce (console
// flushed, netfront stopped), Suspend (the machine half: balloon frozen, foreign frames
// unmapped, start_info rewritten, the hypercall), then Cancelled (`xl save -c`, a failed
// save: netfront goes on, nothing else changed) or Resumed in a new domain: park and rebind
// the console and xenstore channels to start_info's new ports and unmask every port, reset
// the xenstore client (transaction dropped, watches registered again), rebase the clock (Xen
// system time restarts on the new host; our monotonic time goes on from where it stopped, so
// timers neither fire en masse nor stall), publish a new suspend event channel (the old port
// died with the old domain), and reconnect netfront with its pages' new MFNs
// (MAC and address stay, TCP retransmits what was in flight). Nothing allocates.
using XenPv.Netfront;
using XenPv.Shim;
using XenPv.Xenbus;

namespace LispVm.Kernel
{
    internal sealed unsafe class XenSuspend
    {
        enum Phase { Idle, Quiesced, Cancelled, Refused, Resumed, Rebound, StoreReset, Done, Broken }

        readonly XenPlatform _p;
        readonly MachineSuspend _machine;
        readonly StartInfo* _si;
        Phase _phase = Phase.Idle;
        ulong _clockAtSuspend;
        public int Saves, Cancels, Restores;

        public XenSuspend(XenPlatform p, MachineSuspend machine, StartInfo* si)
        {
            _p = p;
            _machine = machine;
            _si = si;
        }

        public MachineSuspend Machine => _machine;

        // Runs the whole suspend; returns once the guest runs again (here or in a new domain).
        public void Run()
        {
            if (_phase != Phase.Idle) return;
            Saves++;
            Step();                                   // Idle -> Quiesced
            while (_phase != Phase.Done && _phase != Phase.Idle) Step();
            _phase = Phase.Idle;
        }

        void Step()
        {
            Netfront nf = _p.NetfrontDevice;
            switch (_phase)
            {
                case Phase.Idle:
                    _p.WriteLine("xl save: suspending");
                    _p.Flush();                       // xenconsoled gets it before the domain stops
                    if (nf != null) nf.Quiesce();
                    _clockAtSuspend = _p.MonotonicNs();
                    _phase = Phase.Quiesced;
                    break;
                case Phase.Quiesced:
                    SuspendOutcome o = _machine.Run();
                    _phase = o == SuspendOutcome.Resumed ? Phase.Resumed
                        : o == SuspendOutcome.Cancelled ? Phase.Cancelled
                        : o == SuspendOutcome.Refused ? Phase.Refused : Phase.Broken;
                    break;
                case Phase.Cancelled:
                    if (nf != null) nf.Unquiesce();
                    Cancels++;
                    _p.WriteLine("xl save: suspend cancelled (checkpoint); running on");
                    _phase = Phase.Done;
                    break;
                case Phase.Refused:
                    if (nf != null) nf.Unquiesce();
                    _p.Write("xl save: not suspended: ");
                    _p.WriteLine(_machine.FailReason);
                    _phase = Phase.Done;
                    break;
                case Phase.Broken:
                    // Resumed in a new domain whose machine state we could not rebuild.
                    _p.WriteLine(_machine.FailReason);
                    _p.Crash();
                    break;
                case Phase.Resumed:
                    _p.RebaseClock(_clockAtSuspend);
                    if (nf != null) nf.ForgetChannel();          // its number may be someone's now
                    _p.ForgetSuspendChannel();                    // likewise
                    if (!_p.RebindToolstackPorts(_si->console_domU_evtchn, _si->store_evtchn))
                    {
                        _p.Crash();                                // no console, no xenstore: nothing to talk to
                    }
                    _phase = Phase.Rebound;
                    break;
                case Phase.Rebound:
                    Restores++;
                    _p.WriteLine("xl restore: resumed in a new domain");
                    int lost = _p.ResetStore();
                    if (lost != 0)
                    {
                        _p.Write("xenstore: watches not registered again: ");
                        _p.WriteDec((ulong)lost);
                        _p.Write(_p.NewLine);
                    }
                    _phase = Phase.StoreReset;
                    break;
                case Phase.StoreReset:
                    _p.PublishSuspendChannel();                   // a new port in the new domain
                    if (nf != null) _p.ReconnectNet();
                    _phase = Phase.Done;
                    break;
                default:
                    _phase = Phase.Done;
                    break;
            }
        }
    }
}
