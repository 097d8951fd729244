// Why: numeric code runs inside the kernel where exceptions do not exist, so every
// operation that can fail returns one of these codes and the VM turns it into the
// matching Lisp condition (division-by-zero, floating-point-overflow, type-error, ...).
namespace LispVm.Reader.Numbers
{
    public enum NumStatus
    {
        Ok = 0,
        DivisionByZero,
        NotANumber,          // an argument is not a number (or not of the needed kind): type-error
        NotAnInteger,        // integer-only operation given a non-integer
        NotARational,
        FloatOverflow,       // result too large for its float format
        TooLarge,            // bignum exceeds the configured limb limit
        Interrupted,         // the interrupt hook asked to stop a long operation
        DomainError,         // e.g. (log 0) or isqrt of a negative number
        Unsupported,         // complex results and other cases not implemented
    }

    /// <summary>Polled during long bignum loops; return true to abandon the operation.</summary>
    public interface IInterruptPoll
    {
        bool InterruptPending();
    }
}
