// chat page script
