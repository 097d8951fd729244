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

    /// <summary>True while the poller runs at a VM safe point (the stack pointer is stored
    /// and the VM reloads its registers if the GC epoch moved): a full collection is safe
    /// then (the balloon uses it). False when Poll is called from anywhere else (a sleeping
    /// builtin), where C# locals may hold heap references.</summary>
    public bool PollMayCollect { get; private set; }

    /// <summary>Safe point work for the poller; true when an interrupt is now pending.</summary>
    bool PollAtSafePoint()
    {
        PollMayCollect = true;
        Poller.Poll(this);
        PollMayCollect = false;
        if (InterruptFlag == 0) return false;
        InterruptFlag = 0;
        PendN = 1; Pend[0] = Syms[(int)S.InteractiveInterrupt];
        return true;
    }
}
