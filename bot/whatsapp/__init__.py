"""WhatsApp in and out: the webhook, the queue and its worker, the sender, media, the simulator."""
