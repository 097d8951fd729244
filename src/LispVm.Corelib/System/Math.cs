// Why: ILC routes some arithmetic (checked multiply, checked double conversions, and on some
// targets division) to System.Math by name. Only those helpers exist, all internal: engine
// code must not use Math (DESIGN §1: our own numerics so every build prints the same digits).
// A failed check is a bug in kernel code (no `checked` allowed there), so it panics.
namespace System
{
    internal static class Math
    {
        static long MultiplyChecked(long a, long b)
        {
            long r = unchecked(a * b);
            if (a != 0 && (r / a != b || (a == -1 && b == long.MinValue))) Internal.Runtime.Panic.Fail("checked multiply overflowed");
            return r;
        }

        static ulong MultiplyChecked(ulong a, ulong b)
        {
            ulong r = unchecked(a * b);
            if (a != 0 && r / a != b) Internal.Runtime.Panic.Fail("checked multiply overflowed");
            return r;
        }

        static int ConvertToInt32Checked(double v)
        {
            if (!(v > -2147483649.0 && v < 2147483648.0)) Internal.Runtime.Panic.Fail("checked conversion overflowed");
            return (int)v;
        }

        static uint ConvertToUInt32Checked(double v)
        {
            if (!(v > -1.0 && v < 4294967296.0)) Internal.Runtime.Panic.Fail("checked conversion overflowed");
            return (uint)v;
        }

        static long ConvertToInt64Checked(double v)
        {
            if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) Internal.Runtime.Panic.Fail("checked conversion overflowed");
            return (long)v;
        }

        static ulong ConvertToUInt64Checked(double v)
        {
            if (!(v > -1.0 && v < 18446744073709551616.0)) Internal.Runtime.Panic.Fail("checked conversion overflowed");
            return (ulong)v;
        }

        static int DivInt32(int a, int b) { return a / b; }
        static uint DivUInt32(uint a, uint b) { return a / b; }
        static long DivInt64(long a, long b) { return a / b; }
        static ulong DivUInt64(ulong a, ulong b) { return a / b; }
        static int ModInt32(int a, int b) { return a % b; }
        static uint ModUInt32(uint a, uint b) { return a % b; }
        static long ModInt64(long a, long b) { return a % b; }
        static ulong ModUInt64(ulong a, ulong b) { return a % b; }
    }
}
