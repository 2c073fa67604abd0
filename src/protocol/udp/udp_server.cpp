#include "protocol/udp/udp_server.hpp"

#include "protocol/udp/udp_config.hpp"
#include "protocol/udp/udp_input.hpp"

namespace firstmile::udp {

UdpServer::UdpServer(ServerContext& ctx) : ctx_(ctx) {}

UdpServer::~UdpServer() {
  stop();
}

void UdpServer::start() {
  try {
    for (const auto& [path, address] : ctx_.config.get<UdpConfig>().inputs) {
      auto input = std::make_shared<UdpInput>(ctx_, path, address);
      input->start();
      inputs_.push_back(std::move(input));
    }
  } catch (...) {
    stop();
    throw;
  }
}

void UdpServer::stop() {
  for (auto& input : inputs_)
    input->stop();
  inputs_.clear();
}

}  // namespace firstmile::udp
