// Why: the contract between the reader and the VM: where characters come from (a
// stream or the REPL's line buffer, which can say "no more yet" instead of "end"), the
// reader variables the VM copies in from its specials, and the #. evaluation hook.
namespace LispVm.Reader
{
    /// <summary>Character source. Read/Peek return a Unicode code point, or -1 when no
    /// more input is available right now.</summary>
    public interface IReadSource
    {
        int Read();
        int Peek();
        /// <summary>True when -1 means the real end of the stream (a file or string);
        /// false when more input may arrive later (an interactive line buffer).</summary>
        bool AtRealEnd { get; }
    }

    /// <summary>Evaluates the form after #. ; returns false (and sets nothing) if the
    /// evaluation failed, in which case the reader reports an error.</summary>
    public interface IReadEvalHook
    {
        bool ReadEval(ulong form, out ulong value);
    }

    public struct ReadOptions
    {
        public int ReadBase;            // *read-base*, 2..36 (0 means 10)
        public ulong Package;           // *package* (a package object)
        public ulong Features;          // *features*: a list of keywords
        public bool DefaultDouble;      // *read-default-float-format* is double-float
        public bool ReadEval;           // *read-eval*
        public bool Suppress;           // *read-suppress*
        public int Case;                // readtable-case: 0 upcase, 1 downcase, 2 preserve, 3 invert
        /// <summary>*readtable*'s syntax for codes below 128: Behave[c] is the standard
        /// character whose syntax c has (SET-SYNTAX-FROM-CHAR), 0 for c's own; null when
        /// the readtable is the standard one.</summary>
        public byte[] Behave;
        public IReadEvalHook EvalHook;
        /// <summary>*readtable*'s macro characters set by SET-MACRO-CHARACTER, for codes
        /// below 128: 0 none, 1 terminating, 2 non-terminating; null when there are none.
        /// They take precedence over Behave.</summary>
        public byte[] Macro;
        /// <summary>Sub-characters of # with a function from SET-DISPATCH-MACRO-CHARACTER
        /// (codes below 128, upcased: 1 = the hook reads it); null when there are none.</summary>
        public byte[] SharpUser;
        public IReadMacroHook MacroHook;
    }

    /// <summary>Calls the Lisp function of a macro character (value and got: the object it
    /// returned, got false when it returned no values, a comment); false when that call
    /// unwound (the reader then stops with ReadErrorKind.Eval). The function may READ the
    /// same stream again: LispReader.ReadNested.</summary>
    public interface IReadMacroHook
    {
        bool ReadMacro(int c, out ulong value, out bool got);
        /// <summary>A # sub-character's function; arg is the decimal argument or -1.</summary>
        bool ReadSharpMacro(int sub, long arg, out ulong value, out bool got);
    }

    public enum ReadStatus : byte
    {
        Ok,            // a value was read
        Eof,           // clean end of input before any object (only whitespace/comments)
        NeedMore,      // input ended inside an object but more may come: re-read from the
                       // start of the form once more input is appended
        Error,         // see LispReader.ErrorKind / ErrorText / ErrorLine / ErrorColumn
    }

    /// <summary>TooDeep: nesting beyond the reader's frame capacity (the VM reports it as a
    /// storage-condition: a resource ran out, the text may be fine).</summary>
    public enum ReadErrorKind : byte { None, Syntax, EndOfFile, Package, TooLarge, Eval, TooDeep }
}
