// Why: the root of every C# object in the image. Its only field is the MethodTable pointer
// (a layout contract with ILC); the members below are the few that kernel-safe code may call.
namespace System
{
    public unsafe class Object
    {
#pragma warning disable 649
        internal Internal.Runtime.MethodTable* m_pMethodTable;
#pragma warning restore 649

        public Object() { }
        ~Object() { }
        public virtual bool Equals(object o) { return (object)this == o; }
        public virtual int GetHashCode() { return 0; }
        public virtual string ToString() { return "object"; }
        public static bool ReferenceEquals(object a, object b) { return a == b; }
    }
}

namespace System.Reflection
{
    public sealed class DefaultMemberAttribute : Attribute { public DefaultMemberAttribute(string memberName) { } }
}
