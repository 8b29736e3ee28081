// Idle timeout for a receiving connection: closed after a quiet period with no block awaiting its reply.

import NIOCore

/// Closes the connection when no block has arrived for `timeout` and no received block is still awaiting
/// its reply (a handler that takes long to commit a message does not make its connection idle).
///
/// Sits after the frame decoder: inbound reads are whole blocks, outbound writes are replies. The server
/// signals a block handled without a reply with ``MLLPIdleHandler/Handled``.
final class MLLPIdleHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Outbound user event: one received block was handled without a reply.
    struct Handled: Sendable {}

    private let timeout: TimeAmount
    private var pending = 0
    private var lastActivity = NIODeadline.now()
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context, after: timeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        schedule(context, after: timeout)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += 1
        lastActivity = .now()
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        done()
        context.write(data, promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is Handled {
            done()
            promise?.succeed()
        } else {
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func done() {
        pending = max(0, pending - 1)
        lastActivity = .now()
    }

    private func schedule(_ context: ChannelHandlerContext, after delay: TimeAmount) {
        timer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            handler.fire(context)
        }
    }

    private func fire(_ context: ChannelHandlerContext) {
        timer = nil
        guard context.channel.isActive else { return }
        let quiet = NIODeadline.now() - lastActivity
        if pending == 0 && quiet >= timeout {
            context.close(promise: nil)
        } else {
            schedule(context, after: pending == 0 ? timeout - quiet : timeout)
        }
    }
}
