#include "tools/runner/session.h"

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "eval/fast_hash.h"

namespace kda::runner {
namespace {

struct TensorLayout {
  DLDataType dl{};
  std::vector<int64_t> shape;
  size_t nbytes = 0;
  bool host = false;  // scalars live in host memory on every backend
};

std::vector<TensorLayout> parse_layouts(const Json& arr) {
  std::vector<TensorLayout> out;
  if (!arr.is_array()) throw std::runtime_error("tensor list is not an array");
  for (const Json& t : arr) {
    TensorLayout l;
    const Json& dl = t.at("dl");
    l.dl = {static_cast<uint8_t>(dl.at(0).get<int>()), static_cast<uint8_t>(dl.at(1).get<int>()),
            static_cast<uint16_t>(dl.at(2).get<int>())};
    l.shape = t.at("shape").get<std::vector<int64_t>>();
    l.nbytes = t.at("nbytes").get<size_t>();
    l.host = l.shape.empty();
    out.push_back(std::move(l));
  }
  return out;
}

size_t total_bytes(const std::vector<TensorLayout>& ls) {
  size_t n = 0;
  for (auto& l : ls) n += l.nbytes;
  return n;
}

}  // namespace

// Device (or host, for scalars) buffers for one set of tensors, plus the DLTensor views.
class Slot {
 public:
  Slot(Device& dev, std::vector<TensorLayout>& layouts) : dev_(dev), layouts_(layouts) {
    for (auto& l : layouts_) {
      void* p = l.host ? std::malloc(std::max<size_t>(l.nbytes, 8)) : dev_.alloc(l.nbytes);
      if (!p) throw std::runtime_error("out of device memory");
      ptrs_.push_back(p);
      DLTensor t{};
      t.data = p;
      t.device = l.host ? DLDevice{kDLCPU, 0} : dev_.dl_device();
      t.ndim = static_cast<int>(l.shape.size());
      t.dtype = l.dl;
      t.shape = l.shape.data();
      t.strides = nullptr;
      t.byte_offset = 0;
      views_.push_back(t);
    }
  }
  ~Slot() {
    for (size_t i = 0; i < ptrs_.size(); ++i) layouts_[i].host ? std::free(ptrs_[i]) : dev_.release(ptrs_[i]);
  }
  void upload(const uint8_t* src) {
    for (size_t i = 0; i < ptrs_.size(); ++i) {
      layouts_[i].host ? (void)std::memcpy(ptrs_[i], src, layouts_[i].nbytes) : dev_.upload(ptrs_[i], src, layouts_[i].nbytes);
      src += layouts_[i].nbytes;
    }
  }
  void download(uint8_t* dst) {
    for (size_t i = 0; i < ptrs_.size(); ++i) {
      layouts_[i].host ? (void)std::memcpy(dst, ptrs_[i], layouts_[i].nbytes) : dev_.download(dst, ptrs_[i], layouts_[i].nbytes);
      dst += layouts_[i].nbytes;
    }
  }
  void poison(uint8_t byte) {
    for (size_t i = 0; i < ptrs_.size(); ++i)
      layouts_[i].host ? (void)std::memset(ptrs_[i], byte, layouts_[i].nbytes) : dev_.fill(ptrs_[i], byte, layouts_[i].nbytes);
  }
  std::vector<uint64_t> hashes() {
    std::vector<uint64_t> out;
    std::vector<uint8_t> tmp;
    for (size_t i = 0; i < ptrs_.size(); ++i) {
      tmp.resize(layouts_[i].nbytes);
      layouts_[i].host ? (void)std::memcpy(tmp.data(), ptrs_[i], tmp.size()) : dev_.download(tmp.data(), ptrs_[i], tmp.size());
      out.push_back(fast_hash64(tmp.data(), tmp.size()));
    }
    return out;
  }
  DLTensor* views() { return views_.data(); }
  int count() const { return static_cast<int>(views_.size()); }

 private:
  Device& dev_;
  std::vector<TensorLayout>& layouts_;
  std::vector<void*> ptrs_;
  std::vector<DLTensor> views_;
};

namespace {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

struct Session::Held {
  std::vector<TensorLayout> in_layouts, out_layouts;
  std::unique_ptr<Slot> in, out;
};

Session::Session(Device& device, EntryFn entry) : device_(device), entry_(entry) {}
Session::~Session() = default;

wire::Frame Session::handle(const wire::Frame& request) {
  switch (request.type) {
    case wire::Type::kRun: return run(request);
    case wire::Type::kBatch: return batch(request);
    case wire::Type::kCalibrate: {
      wire::Frame f;
      f.type = wire::Type::kCalibrateResult;
      f.json = device_.calibrate();
      return f;
    }
    default: {
      wire::Frame f;
      f.type = wire::Type::kError;
      f.json = {{"code", "protocol"}, {"message", "unexpected request type"}};
      return f;
    }
  }
}

wire::Frame Session::run(const wire::Frame& req) {
  auto in_layouts = parse_layouts(req.json.at("inputs"));
  auto out_layouts = parse_layouts(req.json.at("outputs"));
  const int sets = req.json.at("sets").get<int>();
  const uint8_t poison = req.json.value("poison", 255);
  const bool flush = req.json.value("flush", true);
  const int late_ms = req.json.value("late_write_check_ms", 0);
  const size_t in_bytes = total_bytes(in_layouts), out_bytes = total_bytes(out_layouts);
  if (sets < 1 || req.blob.size() != in_bytes * static_cast<size_t>(sets))
    throw std::runtime_error("run request blob size does not match its layout");

  held_.reset();  // release the previous buffers before allocating new ones
  auto held = std::make_unique<Held>();
  held->in_layouts = std::move(in_layouts);
  held->out_layouts = std::move(out_layouts);
  std::unique_ptr<Slot> in_slots[2] = {std::make_unique<Slot>(device_, held->in_layouts),
                                       std::make_unique<Slot>(device_, held->in_layouts)};
  std::unique_ptr<Slot> out_slots[2] = {std::make_unique<Slot>(device_, held->out_layouts),
                                        std::make_unique<Slot>(device_, held->out_layouts)};
  wire::Frame resp;
  resp.type = wire::Type::kRunResult;
  resp.blob.resize(out_bytes * sets);
  Json calls = Json::array();
  bool late_write = false;
  for (int k = 0; k < sets; ++k) {
    Slot& in = *in_slots[k % 2];
    Slot& out = *out_slots[k % 2];
    in.upload(req.blob.data() + in_bytes * k);
    out.poison(poison);
    if (flush) device_.flush_caches();
    std::string sync_error = device_.synchronize();
    int rc = 0;
    std::string error;
    double ms = device_.time_call(
        [&] { return entry_(in.views(), in.count(), out.views(), out.count(), device_.stream()); }, &rc, &error);
    double clock = device_.clock_ratio();
    uint8_t* dst = resp.blob.data() + out_bytes * k;
    out.download(dst);
    if (late_ms > 0 && k == 0) {
      // Anything that changes the outputs after the call returned is a background writer.
      std::this_thread::sleep_for(std::chrono::milliseconds(late_ms));
      device_.synchronize();
      std::vector<uint8_t> again(out_bytes);
      out.download(again.data());
      late_write = std::memcmp(again.data(), dst, out_bytes) != 0;
    }
    Json hashes = Json::array();
    for (uint64_t h : in.hashes()) hashes.push_back(hex64(h));
    calls.push_back({{"rc", rc}, {"ms", ms}, {"clock_ratio", clock}, {"input_hashes", hashes},
                     {"error", error.empty() ? sync_error : error}});
  }
  resp.json = {{"calls", calls}, {"late_write", late_write}};
  held->in = std::move(in_slots[(sets - 1) % 2]);
  held->out = std::move(out_slots[(sets - 1) % 2]);
  held_ = std::move(held);
  return resp;
}

wire::Frame Session::batch(const wire::Frame& req) {
  const int repeat = req.json.at("repeat").get<int>();
  if (!held_ || !req.blob.empty()) throw std::runtime_error("BATCH needs a preceding RUN and carries no data");
  Slot& in = *held_->in;
  Slot& out = *held_->out;
  device_.synchronize();
  std::string error;
  Json ms = device_.time_batch(
      [&] { return entry_(in.views(), in.count(), out.views(), out.count(), device_.stream()); }, repeat, &error);
  wire::Frame resp;
  resp.type = wire::Type::kBatchResult;
  resp.json = {{"ms", ms}};
  return resp;
}

}  // namespace kda::runner
