// Why: single-dimension zero-based arrays (T[]) are what kernel-safe code uses. The
// length field layout is a contract with ILC; Array<T> is the type ILC uses for T[]
// interface casts, required even if unused.
namespace System
{
    public abstract class Array
    {
        private readonly int _numComponents;
        public int Length { get { return _numComponents; } }
    }

    public class Array<T> : Array { }
}
