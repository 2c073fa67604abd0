#pragma once
// A FIFO queue on a growable ring buffer. Unlike std::deque (which libstdc++ gives a 512-byte
// block and a block map as soon as it is constructed), an empty RingQueue owns no memory, and a
// short one owns a few slots: the per-connection queues (a viewer's packets, a session's parked
// messages) are empty or a few entries long nearly all the time, and there are thousands of them.
// T must be default-constructible and movable; a popped slot is reset to T{} so that it releases
// what it held at once.
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace firstmile {

template <class T>
class RingQueue {
 public:
  template <class Q, class V>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = V*;
    using reference = V&;
    Iter() = default;
    Iter(Q* q, size_t i) : q_(q), i_(i) {}
    reference operator*() const { return (*q_)[i_]; }
    pointer operator->() const { return &(*q_)[i_]; }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++i_;
      return old;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }

   private:
    Q* q_ = nullptr;
    size_t i_ = 0;
  };
  using iterator = Iter<RingQueue, T>;
  using const_iterator = Iter<const RingQueue, const T>;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }

  // i-th element from the front. The capacity is 0 or a power of two, so a mask wraps.
  T& operator[](size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  const T& operator[](size_t i) const { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }

  void push_back(T value) {
    if (size_ == slots_.size()) grow();
    (*this)[size_] = std::move(value);
    ++size_;
  }

  void pop_front() {
    slots_[head_] = T{};
    head_ = (head_ + 1) & (slots_.size() - 1);
    if (--size_ == 0) head_ = 0;
  }

  // Empties the queue; keeps the slots unless `release` is set.
  void clear(bool release = false) {
    if (release) {
      std::vector<T>().swap(slots_);
    } else {
      for (auto& s : slots_)
        s = T{};
    }
    head_ = size_ = 0;
  }

  // Gives the slots back once a burst has drained (an empty queue keeps up to `keep`).
  void shrink_if_empty(size_t keep) {
    if (size_ == 0 && slots_.size() > keep) clear(true);
  }

  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 4 : slots_.size() * 2);
    for (size_t i = 0; i < size_; ++i)
      bigger[i] = std::move((*this)[i]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace firstmile
