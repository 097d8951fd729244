// Symbols the compiler and VM need by identity, interned once at start-up and kept in a
// rooted table (the collector may move symbols, so never hold them in C# fields).
namespace LispVm.Eval;

public enum S
{
    Quote, Function, Lambda, If, Progn, Let, LetStar, Setq, Flet, Labels, Macrolet,
    SymbolMacrolet, Block, ReturnFrom, Tagbody, Go, Catch, Throw, UnwindProtect,
    MultipleValueCall, MultipleValueProg1, The, Locally, EvalWhen, LoadTimeValue, Progv,
    Declare, Special, AmpOptional, AmpRest, AmpBody, AmpKey, AmpAux, AmpAllowOtherKeys,
    AmpWhole, AmpEnvironment, KwCompileToplevel, KwLoadToplevel, KwExecute, Compile, Load,
    Eval, KwAllowOtherKeys, Setf, MacroMarker,
    Car, Cdr, Cons, Eq, Not, Null, Plus, Minus, Lt, Gt, Le, Ge, NumEq, OnePlus, OneMinus,
    Funcall, Apply, Values,
    Error, SignalBuiltinError, TypeError, SimpleError, ProgramError, ControlError,
    UnboundVariable, UndefinedFunction, DivisionByZero, StorageCondition,
    InteractiveInterrupt, KwDatum, KwExpectedType, KwName, KwFormatControl,
    KwFormatArguments, KwOperation, KwOperands, List, Symbol, Number, Integer, Fixnum,
    Character, String, Vector, Sequence, Real, FunctionType, Package, HashTable,
    Star, StarStar, StarStarStar, StandardOutput, StandardInput, ErrorOutput, PackageVar,
    InvokeDebugger, Lambda2, NamedLambda, MakeMacroFunction, Return,
    PrintBase, PrintLevel, PrintLength, PrintReadably, PrintRadix, PrintCircle, ReadBase, Features,
    ReadDefaultFloatFormat, DoubleFloat, UndefinedFunctionCalled, KwResume, ArefN,
    KwStart, KwEnd,
    Count
}

public static class SymNames
{
    public static readonly string[] Names = {
        "QUOTE", "FUNCTION", "LAMBDA", "IF", "PROGN", "LET", "LET*", "SETQ", "FLET", "LABELS", "MACROLET",
        "SYMBOL-MACROLET", "BLOCK", "RETURN-FROM", "TAGBODY", "GO", "CATCH", "THROW", "UNWIND-PROTECT",
        "MULTIPLE-VALUE-CALL", "MULTIPLE-VALUE-PROG1", "THE", "LOCALLY", "EVAL-WHEN", "LOAD-TIME-VALUE", "PROGV",
        "DECLARE", "SPECIAL", "&OPTIONAL", "&REST", "&BODY", "&KEY", "&AUX", "&ALLOW-OTHER-KEYS",
        "&WHOLE", "&ENVIRONMENT", ":COMPILE-TOPLEVEL", ":LOAD-TOPLEVEL", ":EXECUTE", "COMPILE", "LOAD",
        "EVAL", ":ALLOW-OTHER-KEYS", "SETF", "%MACRO",
        "CAR", "CDR", "CONS", "EQ", "NOT", "NULL", "+", "-", "<", ">", "<=", ">=", "=", "1+", "1-",
        "FUNCALL", "APPLY", "VALUES",
        "ERROR", "%SIGNAL-BUILTIN-ERROR", "TYPE-ERROR", "SIMPLE-ERROR", "PROGRAM-ERROR", "CONTROL-ERROR",
        "UNBOUND-VARIABLE", "UNDEFINED-FUNCTION", "DIVISION-BY-ZERO", "STORAGE-CONDITION",
        "INTERACTIVE-INTERRUPT", ":DATUM", ":EXPECTED-TYPE", ":NAME", ":FORMAT-CONTROL",
        ":FORMAT-ARGUMENTS", ":OPERATION", ":OPERANDS", "LIST", "SYMBOL", "NUMBER", "INTEGER", "FIXNUM",
        "CHARACTER", "STRING", "VECTOR", "SEQUENCE", "REAL", "FUNCTION", "PACKAGE", "HASH-TABLE",
        "*", "**", "***", "*STANDARD-OUTPUT*", "*STANDARD-INPUT*", "*ERROR-OUTPUT*", "*PACKAGE*",
        "%INVOKE-DEBUGGER", "LAMBDA", "%NAMED-LAMBDA", "%MAKE-MACRO-FUNCTION", "RETURN",
        "*PRINT-BASE*", "*PRINT-LEVEL*", "*PRINT-LENGTH*", "*PRINT-READABLY*", "*PRINT-RADIX*", "*PRINT-CIRCLE*", "*READ-BASE*", "*FEATURES*",
        "*READ-DEFAULT-FLOAT-FORMAT*", "DOUBLE-FLOAT", "%UNDEFINED-FUNCTION-CALLED", ":%RESUME", "%AREF-N",
        ":START", ":END",
    };
}
