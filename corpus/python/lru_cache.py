"""A small least-recently-used cache built on a dict and a doubly linked list.

Lookups, insertions and evictions are all O(1). The cache is not thread-safe;
wrap calls in a lock if it is shared between threads.
"""

from __future__ import annotations

from typing import Callable, Generic, Hashable, Iterator, Optional, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Node(Generic[K, V]):
    """One entry in the recency list."""

    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key: K, value: V) -> None:
        self.key = key
        self.value = value
        self.prev: Optional[_Node[K, V]] = None
        self.next: Optional[_Node[K, V]] = None


class LRUCache(Generic[K, V]):
    """Map keys to values, evicting the least recently used entry when full."""

    def __init__(self, capacity: int, on_evict: Optional[Callable[[K, V], None]] = None) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self._capacity = capacity
        self._on_evict = on_evict
        self._map: dict[K, _Node[K, V]] = {}
        # Sentinels: head.next is the most recent entry, tail.prev the least recent.
        self._head: _Node = _Node(None, None)
        self._tail: _Node = _Node(None, None)
        self._head.next = self._tail
        self._tail.prev = self._head
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._map)

    def __iter__(self) -> Iterator[K]:
        """Yield keys from most to least recently used."""
        node = self._head.next
        while node is not self._tail:
            yield node.key
            node = node.next

    def get(self, key: K, default: Optional[V] = None) -> Optional[V]:
        """Return the value for key and mark it as most recently used."""
        node = self._map.get(key)
        if node is None:
            self.misses += 1
            return default
        self.hits += 1
        self._unlink(node)
        self._push_front(node)
        return node.value

    def put(self, key: K, value: V) -> None:
        """Insert or update key, evicting the oldest entry if over capacity."""
        node = self._map.get(key)
        if node is not None:
            node.value = value
            self._unlink(node)
            self._push_front(node)
            return
        node = _Node(key, value)
        self._map[key] = node
        self._push_front(node)
        if len(self._map) > self._capacity:
            self._evict_oldest()

    def pop(self, key: K) -> V:
        """Remove key and return its value; raise KeyError if it is absent."""
        node = self._map.pop(key)
        self._unlink(node)
        return node.value

    def clear(self) -> None:
        self._map.clear()
        self._head.next = self._tail
        self._tail.prev = self._head

    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def _evict_oldest(self) -> None:
        oldest = self._tail.prev
        assert oldest is not None and oldest is not self._head
        self._unlink(oldest)
        del self._map[oldest.key]
        if self._on_evict is not None:
            self._on_evict(oldest.key, oldest.value)

    def _unlink(self, node: _Node[K, V]) -> None:
        node.prev.next = node.next
        node.next.prev = node.prev
        node.prev = node.next = None

    def _push_front(self, node: _Node[K, V]) -> None:
        node.prev = self._head
        node.next = self._head.next
        self._head.next.prev = node
        self._head.next = node


if __name__ == "__main__":
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)  # evicts "b"
    print(list(cache), cache.hit_rate())
