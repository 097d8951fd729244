// Why: the kernel image has no signals: Ctrl-C arrives as a byte on the console ring while
// Lisp runs. With a Poller set, the step counter (StepLimit = the poll interval) makes every
// Nth safe point call the platform, which reads the console without blocking and sets
// InterruptFlag; the hot path is unchanged (it already counts steps when StepLimit != 0).
namespace LispVm.Eval;

public interface IVmPoller
{
    /// <summary>Called every Vm.StepLimit safe points while Lisp runs; must not block.</summary>
    void Poll(Vm vm);
}

public sealed unsafe partial class Vm
{
    /// <summary>When set, StepLimit is a poll interval instead of a limit.</summary>
    public IVmPoller Poller;

    /// <summary>Safe point work for the poller; true when an interrupt is now pending.</summary>
    bool PollAtSafePoint()
    {
        Poller.Poll(this);
        if (InterruptFlag == 0) return false;
        InterruptFlag = 0;
        PendN = 1; Pend[0] = Syms[(int)S.InteractiveInterrupt];
        return true;
    }
}
