// Why: ILC calls these by name for `is`, `as` and casts. Classes: walk the parent chain;
// interfaces: scan the interface map. Variance and arrays of classes are not supported in
// the kernel (a failed cast that would need them panics instead of guessing).
namespace System.Runtime
{
    using Internal.Runtime;

    internal static unsafe class TypeCast
    {
        static MethodTable* MT(object o) { return o.m_pMethodTable; }

        static bool IsClassOf(MethodTable* mt, MethodTable* target)
        {
            while (mt != null)
            {
                if (mt == target) return true;
                if (!mt->IsCanonical) return false;
                mt = mt->_relatedType;
            }
            return false;
        }

        static bool Is(MethodTable* target, object obj)
        {
            MethodTable* mt = MT(obj);
            if (mt == target) return true;
            if (target->IsInterface) return MethodTable.ImplementsInterface(mt, target);
            return IsClassOf(mt, target);
        }

        static object IsInstanceOfAny(MethodTable* target, object obj) { return obj == null || Is(target, obj) ? obj : null; }
        static object IsInstanceOfInterface(MethodTable* target, object obj) { return obj == null || MethodTable.ImplementsInterface(MT(obj), target) ? obj : null; }
        static object IsInstanceOfClass(MethodTable* target, object obj) { return obj == null || IsClassOf(MT(obj), target) ? obj : null; }
        static bool IsInstanceOfException(MethodTable* target, object obj) { return obj != null && IsClassOf(MT(obj), target); }

        static object CheckCastAny(MethodTable* target, object obj)
        {
            if (obj != null && !Is(target, obj)) Panic.Fail("invalid cast");
            return obj;
        }
        static object CheckCastInterface(MethodTable* target, object obj)
        {
            if (obj != null && !MethodTable.ImplementsInterface(MT(obj), target)) Panic.Fail("invalid cast to interface");
            return obj;
        }
        static object CheckCastClass(MethodTable* target, object obj)
        {
            if (obj != null && !IsClassOf(MT(obj), target)) Panic.Fail("invalid cast to class");
            return obj;
        }
        static object CheckCastClassSpecial(MethodTable* target, object obj) { return CheckCastClass(target, obj); }

        // Stores into reference arrays: the element type or a subclass (no array covariance).
        static void StelemRef(object[] array, nint index, object obj)
        {
            if ((ulong)index >= (ulong)array.Length) Panic.Fail("array index out of range");
            if (obj != null && !Is(MT(array)->_relatedType, obj)) Panic.Fail("array element type mismatch");
            object a = array;
            byte* data = *(byte**)&a + 16;
            *(void**)(data + index * 8) = *(void**)&obj;
        }

        static ref object LdelemaRef(object[] array, nint index, MethodTable* elementType)
        {
            if ((ulong)index >= (ulong)array.Length) Panic.Fail("array index out of range");
            object a = array;
            byte* data = *(byte**)&a + 16;
            return ref *(object*)(data + index * 8);
        }
    }
}

namespace System.Runtime.InteropServices
{
    public interface IDynamicInterfaceCastable
    {
        // ILC roots this method by name; it is never called.
        static RuntimeTypeHandle GetDynamicInterfaceImplementation(object instance, RuntimeTypeHandle interfaceType) { return default; }
    }
}
