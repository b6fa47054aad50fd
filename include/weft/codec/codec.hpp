#pragma once
/// \file
/// `weft::codec`: framing over byte streams (tokio-util's `codec` module). A `Decoder` turns
/// bytes into frames, an `Encoder` frames into bytes; `FramedRead`, `FramedWrite` and `Framed`
/// put them over any `AsyncRead` / `AsyncWrite`. See docs/codec.md.

#include "weft/codec/bytes_codec.hpp"
#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"
#include "weft/codec/framed.hpp"
#include "weft/codec/framed_read.hpp"
#include "weft/codec/framed_write.hpp"
#include "weft/codec/length_delimited_codec.hpp"
#include "weft/codec/lines_codec.hpp"
#include "weft/codec/sink.hpp"
