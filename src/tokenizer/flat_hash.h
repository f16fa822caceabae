// Open-addressing hash tables for the tokenizer's hot lookups (token text -> id, merge pair ->
// rank): flat arrays with linear probing and no allocation per entry, because a vocabulary load
// does about a million lookups and node-based maps spend most of that time in cache misses.
// Built once, then read-only (reads are thread-safe; writes are not).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace glassbox::tokenizer {

// Maps strings to int32 ids. The strings themselves live elsewhere: `text_of(id)` returns them,
// so the index holds only 8 bytes per slot (32 hash bits, id + 1).
class TextIndex {
 public:
  // Prepares room for `n` entries (load factor at most 1/2).
  void reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < 2 * n) capacity *= 2;
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
  }

  // Inserts `id` under `text` unless `text` is present; returns the id stored under `text`.
  template <typename TextOf>
  int32_t insert(std::string_view text, int32_t id, const TextOf& text_of) {
    const uint64_t h = hash(text);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) {
        slots_[i] = (h >> 32 << 32) | (static_cast<uint64_t>(id) + 1);
        return id;
      }
      const auto found = static_cast<int32_t>((slot & 0xFFFFFFFFu) - 1);
      if ((slot >> 32) == (h >> 32) && text_of(found) == text) return found;
    }
  }

  // The id stored under `text`, or -1.
  template <typename TextOf>
  int32_t find(std::string_view text, const TextOf& text_of) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash(text);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) return -1;
      const auto found = static_cast<int32_t>((slot & 0xFFFFFFFFu) - 1);
      if ((slot >> 32) == (h >> 32) && text_of(found) == text) return found;
    }
  }

 private:
  static uint64_t hash(std::string_view text) { return std::hash<std::string_view>{}(text); }

  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
};

// Maps 64-bit keys (never ~0) to values; key and value share a slot, so a lookup touches one line.
template <typename Value>
class U64Map {
 public:
  void reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < 2 * n) capacity *= 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_ = 0;
  }

  // Inserts unless `key` is present (the first value stays). Grows as needed.
  void insert(uint64_t key, const Value& value) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    for (size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.key == key) return;
      if (slot.key == kEmpty) {
        slot = {key, value};
        ++size_;
        return;
      }
    }
  }

  const Value* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return &slot.value;
      if (slot.key == kEmpty) return nullptr;
    }
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    Value value{};
  };

  // splitmix64 finaliser: spreads the packed id pairs over the table.
  static uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reserve(old.empty() ? 8 : old.size());
    for (const Slot& slot : old) {
      if (slot.key != kEmpty) insert(slot.key, slot.value);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace glassbox::tokenizer
