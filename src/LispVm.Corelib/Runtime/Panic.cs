// Why: the one way the corelib reports a bug it cannot continue from (bad index, bad cast,
// allocation after start-up). The kernel installs its panic routine at entry; before that
// (or if it returns) we stop the CPU with ud2, which the platform's fault path reports.
namespace Internal.Runtime
{
    public static unsafe class Panic
    {
        // Set by the kernel entry before anything else runs: (message chars, length).
        public static delegate*<char*, int, void> Handler;

        public static void Fail(string message)
        {
            if (Handler != null)
            {
                fixed (char* p = &message.GetPinnableReference()) Handler(p, message.Length);
            }
            Native.Die();
        }
    }

    internal static unsafe class Native
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        [System.Runtime.RuntimeImport("lispvm_die")]
        internal static extern void Die();
    }
}
