// Why: the primitive value types ILC and csc expect to find in the system module. Only
// constants and comparisons: nothing here may throw or allocate.
namespace System
{
    public struct Void { }
    public struct Boolean { }
    public struct Char { public const char MaxValue = (char)0xFFFF; public const char MinValue = (char)0; }
    public struct SByte { public const sbyte MaxValue = 127; public const sbyte MinValue = -128; }
    public struct Byte { public const byte MaxValue = 255; public const byte MinValue = 0; }
    public struct Int16 { public const short MaxValue = 32767; public const short MinValue = -32768; }
    public struct UInt16 { public const ushort MaxValue = 65535; public const ushort MinValue = 0; }
    public struct Int32 { public const int MaxValue = 0x7fffffff; public const int MinValue = unchecked((int)0x80000000); }
    public struct UInt32 { public const uint MaxValue = 0xffffffff; public const uint MinValue = 0; }
    public struct Int64 { public const long MaxValue = 0x7fffffffffffffffL; public const long MinValue = unchecked((long)0x8000000000000000UL); }
    public struct UInt64 { public const ulong MaxValue = 0xffffffffffffffffUL; public const ulong MinValue = 0; }
    public unsafe struct IntPtr
    {
        private void* _value;
        public IntPtr(void* value) { _value = value; }
        public IntPtr(long value) { _value = (void*)value; }
        public void* ToPointer() { return _value; }
        public static int Size => 8;
        public static explicit operator IntPtr(long value) { return new IntPtr(value); }
        public static explicit operator long(IntPtr value) { return (long)value._value; }
        public static explicit operator void*(IntPtr value) { return value._value; }
        public static explicit operator IntPtr(void* value) { return new IntPtr(value); }
        public const long MaxValue = 0x7fffffffffffffffL;
        public const long MinValue = unchecked((long)0x8000000000000000UL);
    }
    public unsafe struct UIntPtr
    {
        private void* _value;
        public UIntPtr(void* value) { _value = value; }
        public void* ToPointer() { return _value; }
        public static int Size => 8;
    }
    public struct Single
    {
        public const float MaxValue = 3.40282347E+38f;
        public const float MinValue = -3.40282347E+38f;
        public const float Epsilon = 1.401298E-45f;
        public const float PositiveInfinity = 1.0f / 0.0f;
        public const float NegativeInfinity = -1.0f / 0.0f;
        public const float NaN = 0.0f / 0.0f;
        public static bool IsNaN(float f) { return f != f; }
    }
    public struct Double
    {
        public const double MaxValue = 1.7976931348623157E+308;
        public const double MinValue = -1.7976931348623157E+308;
        public const double Epsilon = 4.9406564584124654E-324;
        public const double PositiveInfinity = 1.0 / 0.0;
        public const double NegativeInfinity = -1.0 / 0.0;
        public const double NaN = 0.0 / 0.0;
        public static bool IsNaN(double d) { return d != d; }
    }
}
