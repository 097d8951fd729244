// Why: ILC resolves these by name when it imports `ldtoken` (e.g. the field token before
// RuntimeHelpers.InitializeArray in a static array initialiser). The JIT expands the
// InitializeArray pattern, so they are normally dead; we have no reflection data to back
// real handles, so reaching one is a bug and panics.
namespace Internal.Runtime.CompilerHelpers
{
    internal static class LdTokenHelpers
    {
        static System.RuntimeTypeHandle GetRuntimeTypeHandle(System.IntPtr pEEType)
        {
            Panic.Fail("ldtoken of a type is not supported in the kernel");
            return default;
        }

        static System.RuntimeMethodHandle GetRuntimeMethodHandle(System.IntPtr pHandleSignature)
        {
            Panic.Fail("ldtoken of a method is not supported in the kernel");
            return default;
        }

        static System.RuntimeFieldHandle GetRuntimeFieldHandle(System.IntPtr pHandleSignature)
        {
            Panic.Fail("ldtoken of a field is not supported in the kernel");
            return default;
        }
    }
}
