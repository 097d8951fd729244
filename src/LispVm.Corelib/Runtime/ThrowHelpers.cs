// Why: ILC-generated code calls these on failed bounds/null/overflow checks. In the kernel
// each is a bug, so each panics with a name for it.
namespace Internal.Runtime.CompilerHelpers
{
    internal static class ThrowHelpers
    {
        static void ThrowIndexOutOfRangeException() { Panic.Fail("index out of range"); }
        static void ThrowDivideByZeroException() { Panic.Fail("divide by zero"); }
        static void ThrowOverflowException() { Panic.Fail("arithmetic overflow"); }
        static void ThrowNullReferenceException() { Panic.Fail("null reference"); }
        static void ThrowArrayTypeMismatchException() { Panic.Fail("array type mismatch"); }
        static void ThrowInvalidCastException() { Panic.Fail("invalid cast"); }
        static void ThrowPlatformNotSupportedException() { Panic.Fail("platform not supported"); }
        static void ThrowTypeLoadException() { Panic.Fail("type load"); }
        static void ThrowArgumentException() { Panic.Fail("argument"); }
        static void ThrowArgumentOutOfRangeException() { Panic.Fail("argument out of range"); }
        static void ThrowNotImplementedException() { Panic.Fail("not implemented"); }
        static void ThrowInvalidProgramException() { Panic.Fail("invalid program"); }
        static void ThrowInvalidProgramExceptionWithArgument() { Panic.Fail("invalid program"); }
        static void ThrowMissingMethodException() { Panic.Fail("missing method"); }
        static void ThrowMissingFieldException() { Panic.Fail("missing field"); }
        static void ThrowFileNotFoundException() { Panic.Fail("file not found"); }
        static void ThrowBadImageFormatException() { Panic.Fail("bad image format"); }
        static void ThrowMarshalDirectiveException() { Panic.Fail("marshal directive"); }
        static void ThrowAmbiguousMatchException() { Panic.Fail("ambiguous match"); }
        static void ThrowNotSupportedException() { Panic.Fail("not supported"); }
        static void ThrowArgumentNullException() { Panic.Fail("argument null"); }
        static void ThrowFeatureBodyRemoved() { Panic.Fail("feature body removed by ILC"); }
    }
}
