// Why: the structural base types csc and ILC require in any system module (value types,
// enums, arrays, delegates, handles, nullable). Kept empty of behaviour: no reflection.
namespace System
{
    public abstract class ValueType { }
    public abstract class Enum : ValueType { }
    public struct Nullable<T> where T : struct
    {
        private readonly bool hasValue;
        internal T value;
        public Nullable(T value) { this.value = value; hasValue = true; }
        public bool HasValue => hasValue;
        public T Value => value;
        public T GetValueOrDefault() { return value; }
        public static implicit operator Nullable<T>(T value) { return new Nullable<T>(value); }
        public static explicit operator T(Nullable<T> value) { return value.value; }
    }
    public abstract class Delegate { }
    public abstract class MulticastDelegate : Delegate { }
    public struct RuntimeTypeHandle { private IntPtr _value; }
    public struct RuntimeMethodHandle { private IntPtr _value; }
    public struct RuntimeFieldHandle { private IntPtr _value; }
    public abstract class Type { }
    internal sealed class RuntimeType : Type { }
    public interface IDisposable { void Dispose(); }
    public readonly struct ValueTuple { }
    public struct ValueTuple<T1, T2>
    {
        public T1 Item1; public T2 Item2;
        public ValueTuple(T1 item1, T2 item2) { Item1 = item1; Item2 = item2; }
    }
    public struct ValueTuple<T1, T2, T3>
    {
        public T1 Item1; public T2 Item2; public T3 Item3;
        public ValueTuple(T1 item1, T2 item2, T3 item3) { Item1 = item1; Item2 = item2; Item3 = item3; }
    }
}
