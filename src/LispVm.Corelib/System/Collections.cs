// Why: csc requires these interface types to exist in the system module when compiling
// `foreach` (even over arrays, which it lowers to an index loop). Nothing implements them.
namespace System.Collections
{
    public interface IEnumerable { IEnumerator GetEnumerator(); }
    public interface IEnumerator { object Current { get; } bool MoveNext(); void Reset(); }
}
