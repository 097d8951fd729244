// Why: string literals are frozen objects ILC lays out as {MethodTable*, int length, chars};
// kernel code may read .Length and s[i] and pin them. No other string operations exist.
using System.Runtime.CompilerServices;

namespace System
{
    public sealed unsafe class String
    {
#pragma warning disable 649, 169
        private readonly int _stringLength;
        private char _firstChar;
#pragma warning restore 649, 169

        public int Length => _stringLength;

        [IndexerName("Chars")]
        public char this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_stringLength)
                    Internal.Runtime.Panic.Fail("string index out of range");
                fixed (char* p = &_firstChar) return p[index];
            }
        }

        public ref readonly char GetPinnableReference() { return ref _firstChar; }
    }
}
