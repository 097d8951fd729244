// Why: the engine checks the C# stack against a low-water mark (LispVm.Gc/StackLimit.cs);
// hosted, that is the current thread's stack, which .NET does not expose: glibc's
// pthread_getattr_np gives its bounds (any thread, the main one included). The mark is set
// for the thread that feeds the REPL, each time a different thread does. Where the call is
// not available (not glibc) the check stays off, as before.
using System;
using System.Runtime.InteropServices;
using LispVm.Gc;

namespace LispVm.Hosted;

public static unsafe class HostedStack
{
    /// <summary>Kept below the last check: JIT-compiled frames are larger than the image's
    /// and the JIT itself runs on this stack the first time a method is called.</summary>
    public const ulong Margin = 256UL << 10;

    [ThreadStatic] static ulong t_low, t_size;
    [ThreadStatic] static bool t_known;
    static bool s_unavailable;

    [DllImport("libc", EntryPoint = "pthread_self")] static extern IntPtr PthreadSelf();
    [DllImport("libc", EntryPoint = "pthread_getattr_np")] static extern int PthreadGetattrNp(IntPtr thread, byte* attr);
    [DllImport("libc", EntryPoint = "pthread_attr_getstack")] static extern int PthreadAttrGetstack(byte* attr, out IntPtr addr, out UIntPtr size);
    [DllImport("libc", EntryPoint = "pthread_attr_destroy")] static extern int PthreadAttrDestroy(byte* attr);

    /// <summary>The current thread's stack as [low, low + size); false if unknown.</summary>
    public static bool CurrentBounds(out ulong low, out ulong size)
    {
        if (!t_known && !s_unavailable)
        {
            try
            {
                byte* attr = stackalloc byte[256];   // pthread_attr_t is 56 bytes on x86-64 glibc
                if (PthreadGetattrNp(PthreadSelf(), attr) == 0)
                {
                    if (PthreadAttrGetstack(attr, out IntPtr a, out UIntPtr s) == 0)
                    {
                        t_low = (ulong)a; t_size = (ulong)s; t_known = true;
                    }
                    PthreadAttrDestroy(attr);
                }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { s_unavailable = true; }
        }
        low = t_low; size = t_size;
        return t_known;
    }

    /// <summary>Points the heap's stack check at the current thread (off if unknown).</summary>
    public static void Apply(Heap heap)
    {
        if (CurrentBounds(out ulong low, out ulong size)) heap.Stack.Set(low, size, Margin);
        else heap.Stack.Low = 0;
    }
}
