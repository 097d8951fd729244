// Why: attribute types csc looks up by name when compiling ordinary C# (params, flags,
// usage, obsolete). They carry no behaviour.
namespace System
{
    public abstract class Attribute { }

    [Flags]
    public enum AttributeTargets
    {
        Assembly = 0x1, Module = 0x2, Class = 0x4, Struct = 0x8, Enum = 0x10, Constructor = 0x20,
        Method = 0x40, Property = 0x80, Field = 0x100, Event = 0x200, Interface = 0x400,
        Parameter = 0x800, Delegate = 0x1000, ReturnValue = 0x2000, GenericParameter = 0x4000,
        All = 0x7FFF,
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = true)]
    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { }
        public bool AllowMultiple { get; set; }
        public bool Inherited { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class ParamArrayAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Enum)]
    public class FlagsAttribute : Attribute { }

    public sealed class ObsoleteAttribute : Attribute
    {
        public ObsoleteAttribute() { }
        public ObsoleteAttribute(string message) { }
        public ObsoleteAttribute(string message, bool error) { }
    }

    public sealed class CLSCompliantAttribute : Attribute { public CLSCompliantAttribute(bool isCompliant) { } }
    public sealed class ThreadStaticAttribute : Attribute { }
}

namespace System.Diagnostics
{
    public sealed class ConditionalAttribute : Attribute { public ConditionalAttribute(string conditionString) { } }
}

namespace System.Diagnostics.CodeAnalysis
{
    public sealed class UnscopedRefAttribute : Attribute { }
}
