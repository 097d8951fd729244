// Why: the printer's contract with the VM: an output sink the VM's streams implement
// (writing may allocate, e.g. a string stream growing in the Lisp heap), and the printer
// variables as one explicit struct the VM fills from its specials.
namespace LispVm.Reader
{
    public interface IPrintSink
    {
        /// <summary>Writes one Unicode code point. May allocate (and so move heap objects).</summary>
        void WriteChar(int c);
    }

    public struct PrintOptions
    {
        public bool Escape;          // *print-escape* (prin1 = true, princ = false)
        public bool Readably;        // *print-readably*
        public int Base;             // *print-base* 2..36 (0 means 10)
        public bool Radix;           // *print-radix*
        public int Level;            // *print-level*, -1 = no limit
        public int Length;           // *print-length*, -1 = no limit
        public bool Circle;          // *print-circle*
        public bool DefaultDouble;   // *read-default-float-format* is double-float
        public ulong Package;        // *package* (decides package prefixes); 0 = CL-USER

        public static PrintOptions Prin1 => new PrintOptions { Escape = true, Base = 10, Level = -1, Length = -1 };
        public static PrintOptions Princ => new PrintOptions { Escape = false, Base = 10, Level = -1, Length = -1 };
    }

    public enum PrintStatus : byte
    {
        Ok,
        NotReadable,   // *print-readably* and an object without readable syntax: print-not-readable
        TooDeep,       // nesting beyond the printer's frame capacity (output was truncated with #)
    }
}
